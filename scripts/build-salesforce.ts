/**
 * `npm run build:salesforce`: assembles a Salesforce DX project in build/salesforce/ from
 * salesforce/ (the LWC cards for Lead/Contact, Opportunity and Account, the tier-routing Flows
 * for Lead and Opportunity), the field definitions of
 * src/contracts/salesforce-fields.ts (custom fields on Lead, Contact, Account and Opportunity, permission sets) and
 * the HubSpot card's view code (bundled into the LWC module `c/leadLensCardView`), then checks
 * it offline with Salesforce's own tooling (salesforce-check.ts: source-deploy-retrieve converts
 * it to Metadata API format and its package.xml lists every component; every -meta.xml matches
 * the Metadata API types; @lwc/compiler compiles the LWC bundles). Deploy with
 * `sf project deploy start`.
 *
 *   npm run build:salesforce -- [--out DIR] [--mdapi DIR]
 *
 * --mdapi also keeps the converted Metadata API package (package.xml + objects/, lwc/, …), the
 * form `sf project deploy start --metadata-dir DIR` and change-set tooling take.
 */
import { build } from 'esbuild';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LeadLensError } from '../src/contracts/errors';
import {
  SALESFORCE_PERMISSION_SET,
  SALESFORCE_READ_PERMISSION_SET,
  SALESFORCE_SCORED_OBJECTS,
  customFieldMetadata,
  salesforceFieldDefs,
  type SalesforceFieldDef,
} from '../src/contracts/salesforce-fields';
import {
  API_VERSION,
  checkSalesforceProject,
  type MetadataCheck,
  type MetadataComponent,
} from './salesforce-check';

export { API_VERSION };
export const CARD_COMPONENT = 'leadLensScoreCard';
/** The Opportunity (deal score) and Account (account score and buying committee) cards. */
export const DEAL_CARD_COMPONENT = 'leadLensDealScoreCard';
export const ACCOUNT_CARD_COMPONENT = 'leadLensAccountScoreCard';
/** The score, tier and factors every card renders (a child component, not placed on pages). */
export const DETAILS_COMPONENT = 'leadLensScoreDetails';
/** The score's states every card renders: loading, error and retry, not scored, the details. */
export const STATE_COMPONENT = 'leadLensScoreState';
/** The class every card extends: its getRecord answer and retry (JS only, not placed on pages). */
export const BASE_COMPONENT = 'leadLensCardBase';
export const CARD_COMPONENTS = [
  CARD_COMPONENT,
  DEAL_CARD_COMPONENT,
  ACCOUNT_CARD_COMPONENT,
  DETAILS_COMPONENT,
  STATE_COMPONENT,
  BASE_COMPONENT,
] as const;
export const VIEW_MODULE = 'leadLensCardView';
export const FLOW = 'LeadLens_Tier_Routing';
/** The Opportunity flow: branches on the deal tier (LeadLens_Tier__c on Opportunity). */
export const DEAL_FLOW = 'LeadLens_Deal_Tier_Routing';
export const FLOWS = [FLOW, DEAL_FLOW] as const;
const DEFAULT = path.join('force-app', 'main', 'default');
const MD_NS = 'http://soap.sforce.com/2006/04/metadata';

function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<tag>value</tag>` lines at an indent; elements in the order Salesforce retrieves them. */
function el(indent: number, tag: string, value: string | number | boolean): string {
  return `${' '.repeat(indent)}<${tag}>${xmlEscape(String(value))}</${tag}>`;
}

function xmlDoc(root: string, body: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<${root} xmlns="${MD_NS}">`,
    ...body,
    `</${root}>`,
    '',
  ].join('\n');
}

/** Element order as Salesforce retrieves it: `fullName` first, then alphabetical. */
const byMetadataOrder = ([a]: [string, unknown], [b]: [string, unknown]) =>
  a === 'fullName' ? -1 : b === 'fullName' ? 1 : a < b ? -1 : a > b ? 1 : 0;

/** A Metadata API value as XML elements: arrays repeat the element, objects nest. */
function toXml(tag: string, value: unknown, indent: number): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => toXml(tag, v, indent));
  if (value !== null && typeof value === 'object') {
    const pad = ' '.repeat(indent);
    return [
      `${pad}<${tag}>`,
      ...Object.entries(value)
        .sort(byMetadataOrder)
        .flatMap(([k, v]) => toXml(k, v, indent + 4)),
      `${pad}</${tag}>`,
    ];
  }
  return [el(indent, tag, value as string | number | boolean)];
}

/**
 * One `CustomField` in source format (objects/<Object>/fields/<Name>.field-meta.xml): the same
 * body the adapter sends to the Tooling API (customFieldMetadata), so both create one field.
 */
export function fieldXml(def: SalesforceFieldDef): string {
  const body = { fullName: def.apiName, ...customFieldMetadata(def) };
  return xmlDoc(
    'CustomField',
    Object.entries(body)
      .sort(byMetadataOrder)
      .flatMap(([k, v]) => toXml(k, v, 4)),
  );
}

/** A permission set granting field-level security on every LeadLens field of every object. */
export function permissionSetXml(opts: {
  label: string;
  description: string;
  editable: boolean;
  defs: SalesforceFieldDef[];
}): string {
  const b: string[] = [el(4, 'description', opts.description)];
  for (const object of [...SALESFORCE_SCORED_OBJECTS].sort()) {
    for (const def of [...opts.defs].sort((a, c) => a.apiName.localeCompare(c.apiName))) {
      b.push(
        '    <fieldPermissions>',
        el(8, 'editable', opts.editable),
        el(8, 'field', `${object}.${def.apiName}`),
        el(8, 'readable', true),
        '    </fieldPermissions>',
      );
    }
  }
  b.push(el(4, 'hasActivationRequired', false), el(4, 'label', opts.label));
  return xmlDoc('PermissionSet', b);
}

function bundleMetaXml(description: string, exposed: boolean): string {
  return xmlDoc('LightningComponentBundle', [
    el(4, 'apiVersion', API_VERSION),
    el(4, 'description', description),
    el(4, 'isExposed', exposed),
  ]);
}

/**
 * The LWC module `c/leadLensCardView`: cards/salesforce-card.ts with the HubSpot card's view
 * code, as one ES module. The LWC test setup (salesforce/jest.global-setup.cjs) calls this too,
 * so the card is tested with the module the build ships.
 */
export async function bundleCardView(root: string): Promise<string> {
  const result = await build({
    entryPoints: [path.join(root, 'cards', 'salesforce-card.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    // Lower `?.` and `??` so the LWC compiler of older orgs parses it.
    target: 'es2019',
    logLevel: 'error',
    legalComments: 'none',
    banner: {
      js:
        '// Generated by `npm run build:salesforce` from cards/salesforce-card.ts, ' +
        "cards/card-view.ts,\n// cards/factors-view.ts and cards/committee-view.ts (the HubSpot cards' view code). " +
        'Do not edit: edit those and rebuild.',
    },
  });
  return result.outputFiles[0].text;
}

async function copyTree(from: string, to: string, skip: (name: string) => boolean) {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTree(src, dst, skip);
    else await fs.copyFile(src, dst);
  }
}

export async function write(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
}

/** What the built project must contain: every component the package.xml has to list. */
export function expectedComponents(defs = salesforceFieldDefs()): MetadataComponent[] {
  return [
    ...SALESFORCE_SCORED_OBJECTS.flatMap((o) =>
      defs.map((d) => ({ type: 'CustomField', fullName: `${o}.${d.apiName}` })),
    ),
    { type: 'PermissionSet', fullName: SALESFORCE_PERMISSION_SET },
    { type: 'PermissionSet', fullName: SALESFORCE_READ_PERMISSION_SET },
    ...CARD_COMPONENTS.map((fullName) => ({ type: 'LightningComponentBundle', fullName })),
    { type: 'LightningComponentBundle', fullName: VIEW_MODULE },
    ...FLOWS.map((fullName) => ({ type: 'Flow', fullName })),
  ];
}

export interface BuildOptions {
  root: string;
  outDir: string;
  /** Keep the Metadata API format package here (else a temporary folder, removed). */
  mdapiDir?: string;
}

export interface BuildSummary extends MetadataCheck {
  outDir: string;
}

export async function buildSalesforceProject(opts: BuildOptions): Promise<BuildSummary> {
  const { root, outDir } = opts;
  const source = path.join(root, 'salesforce');
  const main = path.join(outDir, DEFAULT);
  const defs = salesforceFieldDefs();
  await fs.rm(outDir, { recursive: true, force: true });

  await fs.copyFile(
    path.join(source, 'sfdx-project.json'),
    path.join(await mkdir(outDir), 'sfdx-project.json'),
  );
  await fs.copyFile(path.join(source, '.forceignore'), path.join(outDir, '.forceignore'));
  // The Jest tests and their data stay behind: they are not Salesforce metadata.
  await copyTree(path.join(source, 'force-app'), path.join(outDir, 'force-app'), (n) =>
    ['__tests__', 'jsconfig.json', '.eslintrc.json'].includes(n),
  );

  for (const object of SALESFORCE_SCORED_OBJECTS) {
    for (const def of defs) {
      await write(
        path.join(main, 'objects', object, 'fields', `${def.apiName}.field-meta.xml`),
        fieldXml(def),
      );
    }
  }
  const objects = `${SALESFORCE_SCORED_OBJECTS.slice(0, -1).join(', ')} and ${SALESFORCE_SCORED_OBJECTS.at(-1)}`;
  await write(
    path.join(main, 'permissionsets', `${SALESFORCE_PERMISSION_SET}.permissionset-meta.xml`),
    permissionSetXml({
      label: 'LeadLens',
      description: `Read and edit the LeadLens fields on ${objects}: for the integration user LeadLens writes scores as, and admins.`,
      editable: true,
      defs,
    }),
  );
  await write(
    path.join(main, 'permissionsets', `${SALESFORCE_READ_PERMISSION_SET}.permissionset-meta.xml`),
    permissionSetXml({
      label: 'LeadLens Read',
      description: `Read the LeadLens fields on ${objects} (the score card, list views, reports): for reps. Scores are written by LeadLens only.`,
      editable: false,
      defs,
    }),
  );

  const view = path.join(main, 'lwc', VIEW_MODULE);
  await write(path.join(view, `${VIEW_MODULE}.js`), await bundleCardView(root));
  await write(
    path.join(view, `${VIEW_MODULE}.js-meta.xml`),
    bundleMetaXml(
      'LeadLens card view: the HubSpot card view code, shared by the LeadLens cards.',
      false,
    ),
  );

  const check = await checkSalesforceProject(outDir, {
    mdapiDir: opts.mdapiDir,
    expected: expectedComponents(defs),
  });
  return { outDir, ...check };
}

async function mkdir(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

function argValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function cli(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'Usage: npm run build:salesforce -- [--out DIR] [--mdapi DIR]\n' +
        '  --out DIR    the Salesforce DX project (default build/salesforce)\n' +
        '  --mdapi DIR  also keep the Metadata API format package (package.xml) there\n' +
        '  --card-view FILE  only bundle the c/leadLensCardView module to FILE (LWC tests)\n',
    );
    return;
  }
  const root = path.resolve(__dirname, '..');
  const cardView = argValue(argv, '--card-view');
  if (cardView) {
    // Only the shared view module (the LWC tests' global setup uses this).
    await write(path.resolve(cardView), await bundleCardView(root));
    return;
  }
  const mdapi = argValue(argv, '--mdapi');
  const summary = await buildSalesforceProject({
    root,
    outDir: path.resolve(argValue(argv, '--out') ?? path.join(root, 'build', 'salesforce')),
    mdapiDir: mdapi ? path.resolve(mdapi) : undefined,
  });
  const byType = new Map<string, number>();
  for (const c of summary.components) byType.set(c.type, (byType.get(c.type) ?? 0) + 1);
  const rel = path.relative(process.cwd(), summary.outDir) || '.';
  process.stdout.write(
    `Built the LeadLens Salesforce DX project (API ${API_VERSION}) in ${summary.outDir}\n` +
      `  checked offline (source-deploy-retrieve, Metadata API types, @lwc/compiler): ${[...byType]
        .map(([t, n]) => `${n} ${t}`)
        .join(', ')}\n` +
      (mdapi ? `  Metadata API package: ${summary.mdapiDir}\n` : '') +
      `Deploy with: cd ${rel} && sf project deploy start --target-org YOUR_ORG\n` +
      `Then assign the LeadLens permission set to the integration user, LeadLens Read to reps,\n` +
      `add "LeadLens Score" to the Lead and Contact record pages, "LeadLens Deal Score" to\n` +
      `Opportunity and "LeadLens Account Score" to Account pages in Lightning App Builder, and\n` +
      `review and activate the ${FLOW} and ${DEAL_FLOW} flows.\n`,
  );
}

if (require.main === module) {
  cli(process.argv.slice(2)).catch((e: unknown) => {
    const msg =
      e instanceof LeadLensError ? e.describe() : e instanceof Error ? e.message : String(e);
    process.stderr.write(`build:salesforce failed: ${msg}\n`);
    process.exitCode = 1;
  });
}
