/**
 * The Metadata API's types, as Salesforce publishes them for tooling (@salesforce/types,
 * `lib/metadata.d.ts`, generated from the Metadata WSDL), read with the TypeScript compiler API
 * into a runtime schema, and a validator of source-format XML against it: every element must be
 * a field of its parent's type (inherited ones included), repeat only where the type is a list,
 * hold a value of its type (enumerations by their literals, booleans, numbers), and every
 * required field (neither optional nor a list) must be present. A misspelled or misplaced Flow
 * element, an operator Flow does not have, a field without its required `default` fail here,
 * before a deploy would.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

interface Field {
  type: string;
  list: boolean;
  optional: boolean;
}

type Shape =
  | { kind: 'object'; bases: string[]; fields: Map<string, Field> }
  | { kind: 'enum'; values: Set<string> };

export type MetadataSchema = Map<string, Shape>;

/**
 * Fields the WSDL types as a string that hold XML: `targetConfigs` of an LWC bundle is passed
 * through as a blob (its `<targetConfig targets="…">` content is checked by Salesforce apart).
 */
const XML_BLOBS = new Set(['LightningComponentBundle.targetConfigs']);

const SCALARS = new Set(['string', 'number', 'boolean', 'Date', 'any', 'unknown']);

function fieldOf(node: ts.TypeNode, optional: boolean, sf: ts.SourceFile): Field {
  if (ts.isArrayTypeNode(node)) return { ...fieldOf(node.elementType, optional, sf), list: true };
  return { type: node.getText(sf), list: false, optional };
}

export async function loadMetadataSchema(): Promise<MetadataSchema> {
  // The package exports ./metadata (lib/metadata.js); its declarations sit beside it.
  const file = path.join(
    path.dirname(require.resolve('@salesforce/types/metadata')),
    'metadata.d.ts',
  );
  const sf = ts.createSourceFile(
    file,
    await fs.readFile(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const schema: MetadataSchema = new Map();
  for (const st of sf.statements) {
    if (!ts.isTypeAliasDeclaration(st)) continue;
    const t = st.type;
    const literals = (ts.isUnionTypeNode(t) ? t.types : [t]).map((x) =>
      ts.isLiteralTypeNode(x) && ts.isStringLiteral(x.literal) ? x.literal.text : null,
    );
    if (literals.every((l) => l !== null)) {
      schema.set(st.name.text, { kind: 'enum', values: new Set(literals as string[]) });
      continue;
    }
    const bases: string[] = [];
    const fields = new Map<string, Field>();
    for (const part of ts.isIntersectionTypeNode(t) ? t.types : [t]) {
      if (ts.isTypeReferenceNode(part)) bases.push(part.typeName.getText(sf));
      else if (ts.isTypeLiteralNode(part)) {
        for (const m of part.members) {
          if (ts.isPropertySignature(m) && m.type) {
            fields.set(m.name.getText(sf), fieldOf(m.type, !!m.questionToken, sf));
          }
        }
      }
    }
    schema.set(st.name.text, { kind: 'object', bases, fields });
  }
  return schema;
}

function allFields(schema: MetadataSchema, type: string): Map<string, Field> {
  const shape = schema.get(type);
  if (!shape || shape.kind !== 'object') return new Map();
  const out = new Map<string, Field>();
  for (const b of shape.bases) for (const [k, f] of allFields(schema, b)) out.set(k, f);
  for (const [k, f] of shape.fields) out.set(k, f);
  return out;
}

/** A value parsed by fast-xml-parser (attributes as `@_name`, text as strings). */
type Parsed = string | { [key: string]: Parsed | Parsed[] };

/** The problems of `value` as a `type`, each with its element path; empty when it conforms. */
export function validateMetadata(
  schema: MetadataSchema,
  type: string,
  value: Parsed,
  at: string = type,
): string[] {
  if (SCALARS.has(type)) {
    if (typeof value !== 'string') return [`${at}: expected a ${type} value, found elements`];
    if (type === 'boolean' && !/^(true|false)$/.test(value))
      return [`${at}: "${value}" is not a boolean`];
    if (type === 'number' && !Number.isFinite(Number(value)))
      return [`${at}: "${value}" is not a number`];
    return [];
  }
  const shape = schema.get(type);
  if (!shape) return [`${at}: unknown Metadata API type ${type}`];
  if (shape.kind === 'enum') {
    return typeof value === 'string' && shape.values.has(value)
      ? []
      : [
          `${at}: ${JSON.stringify(value)} is not a ${type} (${[...shape.values].slice(0, 8).join(', ')}…)`,
        ];
  }
  const fields = allFields(schema, type);
  if (typeof value === 'string') {
    // An empty element of a type whose fields are all optional or lists is fine.
    value = value.trim() === '' ? {} : value;
    if (typeof value === 'string') return [`${at}: expected ${type} elements, found text`];
  }
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(value)) {
    if (key.startsWith('@_') || key === '#text') continue;
    const field = fields.get(key);
    if (!field) {
      problems.push(`${at}: <${key}> is not a field of ${type}`);
      continue;
    }
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.length > 1 && !field.list) problems.push(`${at}: <${key}> may appear once`);
    if (XML_BLOBS.has(`${type}.${key}`)) continue;
    values.forEach((v, i) =>
      problems.push(
        ...validateMetadata(
          schema,
          field.type,
          v,
          `${at}.${key}${values.length > 1 ? `[${i}]` : ''}`,
        ),
      ),
    );
  }
  for (const [key, field] of fields) {
    if (!field.optional && !field.list && !(key in value)) {
      problems.push(`${at}: <${key}> is required in ${type}`);
    }
  }
  return problems;
}
