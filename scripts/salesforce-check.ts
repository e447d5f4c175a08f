/**
 * The offline check of a Salesforce DX project (`npm run build:salesforce` runs it on its
 * output), with Salesforce's own tooling where it runs without an org:
 *
 * 1. @salesforce/source-deploy-retrieve (the library under `sf project deploy`) resolves the
 *    source into metadata components and converts it to Metadata API format with its
 *    package.xml; every expected component must be listed. It finds files in the wrong folder
 *    or with the wrong suffix, but it parses XML leniently (a truncated field file converts).
 * 2. So every -meta.xml must also be well-formed XML whose root element is the metadata type
 *    its suffix says, in the Metadata API namespace.
 * 3. Every -meta.xml must conform to the Metadata API's types as Salesforce publishes them
 *    (@salesforce/types, from the Metadata WSDL; salesforce-schema.ts): element names, nesting,
 *    enumeration values, booleans, numbers, required elements.
 * 4. Every LWC bundle must have its .js and .js-meta.xml, and its .js, .html and .css must
 *    compile with @lwc/compiler, the compiler Salesforce runs on deploy (quoted `{}`
 *    attributes, misplaced `lwc:if`, bad decorators all fail here).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LeadLensError } from '../src/contracts/errors';
import { loadMetadataSchema, validateMetadata, type MetadataSchema } from './salesforce-schema';

export const API_VERSION = '62.0';
const MD_NS = 'http://soap.sforce.com/2006/04/metadata';

/** Source-format suffix → the root element (metadata type) its file must have. */
const ROOT_BY_SUFFIX: Array<[string, string]> = [
  ['.field-meta.xml', 'CustomField'],
  ['.object-meta.xml', 'CustomObject'],
  ['.permissionset-meta.xml', 'PermissionSet'],
  ['.flow-meta.xml', 'Flow'],
  ['.js-meta.xml', 'LightningComponentBundle'],
];

export interface MetadataComponent {
  type: string;
  fullName: string;
}

export interface MetadataCheck {
  /** The components source-deploy-retrieve found and converted. */
  components: MetadataComponent[];
  /** The package.xml it wrote for them. */
  packageXml: string;
  /** Where the Metadata API format package is; null when it was a temporary folder. */
  mdapiDir: string | null;
}

export const componentKey = (c: MetadataComponent) => `${c.type}:${c.fullName}`;

/** `<types><members>…</members><name>…</name></types>` → components. */
export function packageXmlComponents(xml: string): MetadataComponent[] {
  const out: MetadataComponent[] = [];
  for (const [, body] of xml.matchAll(/<types>([\s\S]*?)<\/types>/g)) {
    const type = /<name>([^<]+)<\/name>/.exec(body)?.[1];
    if (!type) continue;
    for (const [, member] of body.matchAll(/<members>([^<]+)<\/members>/g)) {
      out.push({ type, fullName: member });
    }
  }
  return out;
}

function invalid(projectDir: string, what: string, cause?: unknown): LeadLensError {
  return new LeadLensError('CONFIG_INVALID', `Salesforce metadata in ${projectDir}: ${what}`, {
    hint: 'Fix the files under salesforce/ (or src/contracts/salesforce-fields.ts) and rebuild.',
    cause,
  });
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

let schemaOnce: Promise<MetadataSchema> | null = null;

async function checkXml(projectDir: string, files: string[]): Promise<void> {
  const { XMLParser, XMLValidator } = await import('fast-xml-parser');
  // Strings stay strings: the schema decides what a value must look like.
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false });
  schemaOnce ??= loadMetadataSchema();
  const schema = await schemaOnce;
  for (const file of files) {
    const rel = path.relative(projectDir, file);
    const rule = ROOT_BY_SUFFIX.find(([suffix]) => file.endsWith(suffix));
    if (!file.endsWith('-meta.xml')) continue;
    const xml = await fs.readFile(file, 'utf8');
    const valid = XMLValidator.validate(xml);
    if (valid !== true) {
      throw invalid(
        projectDir,
        `${rel} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`,
      );
    }
    if (!rule) continue;
    const doc = parser.parse(xml) as Record<string, Parameters<typeof validateMetadata>[2]>;
    const root = Object.keys(doc).find((k) => k !== '?xml');
    const body = root ? doc[root] : undefined;
    if (root !== rule[1] || typeof body !== 'object' || body['@_xmlns'] !== MD_NS) {
      throw invalid(projectDir, `${rel} must be a <${rule[1]} xmlns="${MD_NS}"> document.`);
    }
    const problems = validateMetadata(schema, root, body);
    if (problems.length > 0) {
      throw invalid(
        projectDir,
        `${rel} does not match the Metadata API type ${root}: ${problems.slice(0, 5).join('; ')}`,
      );
    }
  }
}

async function checkLwc(projectDir: string, files: string[]): Promise<void> {
  const { transformSync } = await import('@lwc/compiler');
  const bundles = new Map<string, string[]>();
  for (const file of files) {
    const m = /[\\/]lwc[\\/]([^\\/]+)[\\/][^\\/]+$/.exec(file);
    if (m) bundles.set(m[1], [...(bundles.get(m[1]) ?? []), file]);
  }
  for (const [name, bundle] of bundles) {
    const base = bundle.map((f) => path.basename(f));
    for (const need of [`${name}.js`, `${name}.js-meta.xml`]) {
      if (!base.includes(need)) throw invalid(projectDir, `the LWC bundle ${name} has no ${need}.`);
    }
    for (const file of bundle.filter((f) => /\.(js|html|css)$/.test(f))) {
      try {
        transformSync(await fs.readFile(file, 'utf8'), path.basename(file), {
          namespace: 'c',
          name,
        });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw invalid(projectDir, `${path.relative(projectDir, file)} does not compile: ${msg}`, e);
      }
    }
  }
}

/** Runs the three checks on `projectDir`; throws CONFIG_INVALID on the first problem. */
export async function checkSalesforceProject(
  projectDir: string,
  opts: { mdapiDir?: string; expected?: MetadataComponent[] } = {},
): Promise<MetadataCheck> {
  // Loaded here: the library is large and only the build and its test need it.
  const { ComponentSet, MetadataConverter } = await import('@salesforce/source-deploy-retrieve');
  const source = path.join(projectDir, 'force-app');
  const mdapiDir =
    opts.mdapiDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'leadlens-sf-mdapi-')));
  let packageXml: string;
  try {
    const set = ComponentSet.fromSource(source);
    set.sourceApiVersion = API_VERSION;
    await fs.rm(mdapiDir, { recursive: true, force: true });
    await new MetadataConverter().convert(set, 'metadata', {
      type: 'directory',
      outputDirectory: mdapiDir,
      genUniqueDir: false,
    });
    packageXml = await fs.readFile(path.join(mdapiDir, 'package.xml'), 'utf8');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw invalid(projectDir, `source-deploy-retrieve rejected it: ${msg}`, e);
  } finally {
    if (!opts.mdapiDir) await fs.rm(mdapiDir, { recursive: true, force: true });
  }
  const components = packageXmlComponents(packageXml);
  const have = new Set(components.map(componentKey));
  const missing = (opts.expected ?? []).filter((c) => !have.has(componentKey(c)));
  if (missing.length > 0) {
    throw invalid(
      projectDir,
      `the package.xml misses ${missing.map(componentKey).join(', ')} (not recognised by source-deploy-retrieve: check its folder and -meta.xml).`,
    );
  }
  const files = await walk(source);
  await checkXml(projectDir, files);
  await checkLwc(projectDir, files);
  return { components, packageXml, mdapiDir: opts.mdapiDir ?? null };
}
