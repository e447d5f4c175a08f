/**
 * Validates emulator responses against HubSpot's official OpenAPI 3.0 specs with Ajv
 * (JSON Schema draft-07 core + OpenAPI's `nullable`, formats from ajv-formats): each spec is
 * registered whole, and the schema of one operation's response is addressed by JSON pointer,
 * so `$ref`s resolve exactly as the spec wrote them.
 *
 * One deliberate relaxation: HubSpot answers `null` for a requested-but-unset property, while
 * the spec types record properties as plain strings; record `properties` values are made
 * nullable. Everything else is validated as published.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const SPEC_DIR = path.resolve(__dirname, '../../../shared/crm-specs/hubspot');

interface Operation {
  spec: string;
  template: string;
  regex: RegExp;
  literal: number;
  method: string;
  responses: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function relaxNullableProperties(spec: Json): void {
  const schemas = ((spec.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  for (const [name, s] of Object.entries(schemas)) {
    if (!/^SimplePublic(Upsert)?Object/.test(name)) continue;
    const props = (s.properties as Record<string, Json> | undefined)?.properties;
    if (props?.additionalProperties) (props.additionalProperties as Json).nullable = true;
  }
}

export class OpenApiValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly ops: Operation[] = [];
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(dir = SPEC_DIR) {
    addFormats(this.ajv);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const spec = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Json;
      relaxNullableProperties(spec);
      this.ajv.addSchema(spec, file);
      for (const [template, item] of Object.entries(spec.paths as Record<string, Json>)) {
        for (const [method, op] of Object.entries(item)) {
          const regex = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
          const literal = template.replace(/\{[^}]+\}/g, '').length;
          this.ops.push({
            spec: file,
            template,
            regex,
            literal,
            method: method.toUpperCase(),
            responses: (op as Json).responses as Json,
          });
        }
      }
    }
  }

  /** Throws with Ajv's messages unless `body` satisfies the documented response. */
  check(
    method: string,
    urlPath: string,
    status: number,
    body: unknown,
  ): { spec: string; template: string } {
    const p = urlPath.split('?')[0];
    const candidates = this.ops
      .filter((o) => o.method === method.toUpperCase() && o.regex.test(p))
      .sort((a, b) => b.literal - a.literal);
    if (!candidates.length) throw new Error(`no OpenAPI operation for ${method} ${p}`);
    const op = candidates[0];
    const code = String(status) in op.responses ? String(status) : 'default';
    if (!(code in op.responses))
      throw new Error(`${op.spec} ${method} ${op.template} documents no ${status} response`);
    const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
    const resp = op.responses[code] as Json;
    const base = resp.$ref
      ? `${op.spec}${resp.$ref as string}`
      : `${op.spec}#/paths/${pointer(op.template)}/${method.toLowerCase()}/responses/${code}`;
    const resolved = resp.$ref
      ? ((this.ajv.getSchema(base)?.schema as Json | undefined) ??
        this.lookup(op.spec, resp.$ref as string))
      : resp;
    const content = (resolved as Json).content as Record<string, unknown> | undefined;
    if (!content || !Object.keys(content).length) {
      if (body !== undefined && body !== '')
        throw new Error(`${method} ${p} ${status}: spec documents no body`);
      return { spec: op.spec, template: op.template };
    }
    const media = 'application/json' in content ? 'application/json' : Object.keys(content)[0];
    const ref = `${base}/content/${pointer(media)}/schema`;
    let validate = this.cache.get(ref);
    if (!validate) {
      validate = this.ajv.getSchema(ref);
      if (!validate) throw new Error(`cannot resolve ${ref}`);
      this.cache.set(ref, validate);
    }
    if (!validate(body))
      throw new Error(
        `${method} ${p} → ${status} violates ${op.spec} ${op.template}: ${this.ajv.errorsText(validate.errors, { separator: '\n' })}`,
      );
    return { spec: op.spec, template: op.template };
  }

  private lookup(spec: string, ref: string): Json {
    const root = this.ajv.getSchema(spec)!.schema as Json;
    return ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')] as Json, root);
  }
}
