/**
 * `npm run build:hubspot`: assembles a platform-2026.03 HubSpot developer project in
 * build/hubspot/ from app/, cards/ and functions/, ready for `hs project upload`.
 *
 *   npm run build:hubspot -- --public-url https://leadlens.example.com [--out DIR]
 *                            [--webhook-properties a,b,c] [--distribution private|marketplace]
 *
 * The public URL is where the LeadLens server receives webhooks (/webhooks/hubspot) and the
 * workflow action (/workflow-actions/lead-score); LEADLENS_PUBLIC_URL works too.
 *
 * Distributions (HubSpot project components, platform 2026.03 config.json and the
 * app/oauth-marketplace sample's app-hsmeta.json):
 * - private (default): static auth, the app functions under src/app/functions; the card and
 *   settings page call them with hubspot.serverless.
 * - marketplace: `distribution: "marketplace"`, `auth.type: "oauth"` with `redirectUrls`
 *   (<public URL>/oauth/callback) and the required scopes (plus `oauth`, which the uninstall
 *   API needs); no app functions (HubSpot offers them to private apps only); the card and
 *   settings page call the backend with hubspot.fetch, so its origin is in
 *   `permittedUrls.fetch`.
 */
import { build, type BuildOptions as EsbuildOptions, type Metafile, type Plugin } from 'esbuild';
import { promises as fs } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { LeadLensError } from '../src/contracts/errors';
import { isLeadLensProperty } from '../src/contracts/properties';
import { OAUTH_CALLBACK_PATH } from '../src/server/oauth/config';

export const PLATFORM_VERSION = '2026.03';
export const PROJECT_NAME = 'leadlens';
export const WEBHOOK_PATH = '/webhooks/hubspot';
export const WORKFLOW_ACTION_PATH = '/workflow-actions/lead-score';

/**
 * Contact properties whose change can move a score: the standard engagement and lifecycle
 * inputs the features use (reference/hubspot.md §2.7). Settings may add custom ones; pass them
 * with --webhook-properties.
 */
export const DEFAULT_WEBHOOK_PROPERTIES = [
  'lifecyclestage',
  'hs_lead_status',
  'jobtitle',
  'industry',
  'hs_analytics_source',
  'hs_analytics_num_page_views',
  'hs_analytics_num_visits',
  'num_conversion_events',
  'num_associated_deals',
  'hs_email_open',
  'hs_email_click',
  'hs_email_bounce',
  'notes_last_contacted',
  'hs_last_sales_activity_timestamp',
];

/**
 * HubSpot functions keep no disk and load no native modules: their state lives in PostgreSQL.
 * The store opens its SQLite engine only when no postgres:// URL is given (src/store/open.ts);
 * in a function bundle that module is replaced by one that says to set DATABASE_URL, so neither
 * the engine nor the native better-sqlite3 is in the bundle (checked after each build).
 */
const noSqliteInFunctions: Plugin = {
  name: 'leadlens-no-sqlite',
  setup(b) {
    b.onResolve({ filter: /^\.\/sqlite\/engine$/ }, (args) =>
      /[\\/]src[\\/]store$/.test(args.resolveDir)
        ? { path: path.join(args.resolveDir, 'sqlite', 'absent.ts') }
        : undefined,
    );
    // HubSpot functions serve HubSpot: the Salesforce adapter (jsforce and its HTTP stack) that
    // compose.ts loads on demand is replaced by a module that says so.
    b.onResolve({ filter: /^\.\.\/crm\/salesforce$/ }, (args) =>
      /[\\/]src[\\/]server$/.test(args.resolveDir)
        ? { path: path.join(args.resolveDir, '..', 'crm', 'salesforce', 'absent.ts') }
        : undefined,
    );
    // pg's optional native binding, reached only through `pg.native`, which LeadLens never uses.
    b.onResolve({ filter: /^pg-native$/ }, () => ({ path: 'pg-native', namespace: 'absent' }));
    // node-fetch 2 (under @hubspot/api-client 13) tries `require('encoding')` for its
    // `textConverted()`, inside a try/catch, and we never call it; the package is not installed.
    b.onResolve({ filter: /^encoding$/ }, (args) =>
      /[\\/]node_modules[\\/]node-fetch[\\/]/.test(args.importer)
        ? { path: 'encoding', namespace: 'absent' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({
      contents:
        args.path === 'pg-native'
          ? "throw new Error('pg-native is not bundled: LeadLens uses the pure-JS pg client.');"
          : `throw new Error('${args.path} is not bundled (an optional dependency LeadLens never uses).');`,
      loader: 'js',
    }));
  },
};

/** Inputs that must never reach a function bundle (native code, or state on a local disk). */
const FORBIDDEN_IN_FUNCTIONS = [
  /node_modules[\\/]better-sqlite3[\\/]/,
  /src[\\/]store[\\/]sqlite[\\/](?!absent\.ts$)/,
  /\.node$/,
  /node_modules[\\/](@jsforce[\\/]|jsforce[\\/])/,
  /src[\\/]crm[\\/]salesforce[\\/](?!absent\.ts$)/,
];

/** Secrets each function declares (hs secret add NAME); the private app token HubSpot gives. */
export const FUNCTION_SECRETS = ['DATABASE_URL', 'HUBSPOT_PORTAL_ID'];

/** How each function is bundled (also what the GBDT helper-thread test bundles with). */
export const FUNCTION_BUNDLE: EsbuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  plugins: [noSqliteInFunctions],
  logLevel: 'error',
  legalComments: 'none',
  // Smaller to upload and less to parse at each cold start.
  minify: true,
};

export type DistributionKind = 'private' | 'marketplace';

export interface BuildOptions {
  root: string;
  /** Default 'private'. */
  distribution?: DistributionKind;
  outDir: string;
  publicUrl: string;
  webhookProperties?: string[];
  /** Defaults to <root>/functions. */
  functionsDir?: string;
}

export interface BuildSummary {
  outDir: string;
  distribution: DistributionKind;
  functions: string[];
  components: string[];
  webhookProperties: string[];
}

function checkPublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LeadLensError('CONFIG_INVALID', `The public URL "${raw}" is not a URL.`, {
      hint: 'Pass --public-url https://your-leadlens-host (or set LEADLENS_PUBLIC_URL).',
    });
  }
  if (url.protocol !== 'https:') {
    throw new LeadLensError('CONFIG_INVALID', 'HubSpot only calls HTTPS webhook and action URLs.', {
      hint: 'Use the https:// address of the LeadLens server (a tunnel works for development).',
    });
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(value, null, 2) + '\n');
}

const isSource = (f: string) => /\.(ts|tsx)$/.test(f) && !/\.test\.(ts|tsx)$/.test(f);

/**
 * Copies a UI extension folder (cards/ or app/settings/). Their type-only imports of
 * src/contracts and their imports of the dependency-free src/errors are pointed at copies
 * beside them, so the uploaded project type-checks alone.
 */
async function copyExtension(
  root: string,
  from: string,
  to: string,
  distribution: string,
): Promise<string[]> {
  const files = await fs.readdir(from);
  await fs.mkdir(to, { recursive: true });
  const copied: string[] = [];
  for (const f of files) {
    const src = path.join(from, f);
    if (isSource(f)) {
      const text = await fs.readFile(src, 'utf8');
      const rewritten = text
        .replace(
          /from '((?:\.\.\/)+)src\/contracts\/([a-z-]+)'/g,
          (_m, _up: string, mod: string) => `from './contracts/${mod}'`,
        )
        .replace(/from '(?:\.\.\/)+src\/errors'/g, "from './errors'")
        .replace(/from '(?:\.\.\/)+cards\/transport'/g, "from './transport'");
      await fs.writeFile(path.join(to, f), f === 'distribution.ts' ? distribution : rewritten);
      copied.push(f);
    } else if (f.endsWith('-hsmeta.json')) {
      await fs.copyFile(src, path.join(to, f));
      copied.push(f);
    } else if (f === 'package.json') {
      const pkg = await readJson(src);
      const deps = { ...(pkg.dependencies as Record<string, string>) };
      deps.zod = await versionOf(root, 'zod');
      await writeJson(path.join(to, f), { ...pkg, dependencies: deps });
      copied.push(f);
    }
  }
  // The settings page shares the card's transport seam; each extension is uploaded alone.
  if (!files.includes('transport.ts')) {
    await fs.copyFile(path.join(root, 'cards', 'transport.ts'), path.join(to, 'transport.ts'));
  }
  const contracts = path.join(root, 'src', 'contracts');
  await fs.mkdir(path.join(to, 'contracts'), { recursive: true });
  for (const f of await fs.readdir(contracts)) {
    if (isSource(f)) await fs.copyFile(path.join(contracts, f), path.join(to, 'contracts', f));
  }
  // The error family is dependency-free; contracts/errors.ts re-exports it from '../errors'.
  await fs.mkdir(path.join(to, 'errors'), { recursive: true });
  await fs.copyFile(
    path.join(root, 'src', 'errors', 'index.ts'),
    path.join(to, 'errors', 'index.ts'),
  );
  return copied;
}

async function versionOf(root: string, pkg: string): Promise<string> {
  const own = await readJson(path.join(root, 'package.json'));
  const all = {
    ...(own.dependencies as Record<string, string>),
    ...(own.devDependencies as Record<string, string>),
  };
  const v = all[pkg];
  if (!v) throw new LeadLensError('CONFIG_INVALID', `package.json does not list ${pkg}.`);
  return v;
}

/** Throws when a bundle took in something a HubSpot function cannot run or must not keep. */
export function checkFunctionBundle(name: string, meta: Metafile): void {
  const inputs = Object.keys(meta.inputs);
  const bad = inputs.filter((f) => FORBIDDEN_IN_FUNCTIONS.some((re) => re.test(f)));
  const external = Object.values(meta.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external && !i.path.startsWith('node:') && !isBuiltin(i.path)),
  );
  if (bad.length || external.length) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      `The ${name} function bundle is not self-contained: ${[...bad, ...external.map((i) => i.path)].join(', ')}.`,
      {
        hint: 'Functions may bundle only pure-JS code and keep their state in PostgreSQL; import the store through src/store/open.ts.',
      },
    );
  }
}

/** Bundles every functions/*.ts (not tests) into one self-contained CJS file plus its -hsmeta.json. */
async function buildFunctions(dir: string, to: string): Promise<string[]> {
  const names = (await fs.readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  await fs.mkdir(to, { recursive: true });
  for (const name of names) {
    const result = await build({
      ...FUNCTION_BUNDLE,
      entryPoints: [path.join(dir, `${name}.ts`)],
      outfile: path.join(to, `${name}.js`),
      metafile: true,
    });
    checkFunctionBundle(name, result.metafile);
    await writeJson(path.join(to, `${name}-hsmeta.json`), {
      uid: name,
      type: 'app-function',
      config: {
        entrypoint: `/app/functions/${name}.js`,
        secretKeys: FUNCTION_SECRETS,
      },
    });
  }
  // Every dependency is inside the bundles: nothing for HubSpot to install.
  await writeJson(path.join(to, 'package.json'), {
    name: `${PROJECT_NAME}-functions`,
    version: '0.1.0',
    private: true,
    description: 'LeadLens serverless functions, bundled by npm run build:hubspot.',
    dependencies: {},
  });
  return names;
}

/**
 * The webhooks component as uploaded: app/webhooks/webhooks-hsmeta.json with its target URL and
 * a subscription per contact property that can move a score, plus contact creation. Also what
 * the local emulator installs to deliver webhooks (with a relative target URL).
 */
export function webhooksComponent(
  hooks: Record<string, unknown>,
  targetUrl: string,
  webhookProperties: readonly string[],
): Record<string, unknown> {
  const hookConfig = hooks.config as Record<string, unknown>;
  return {
    ...hooks,
    config: {
      ...hookConfig,
      settings: { ...(hookConfig.settings as object), targetUrl },
      subscriptions: {
        crmObjects: [
          { subscriptionType: 'object.creation', objectType: 'contact', active: true },
          ...webhookProperties
            .filter((p) => !isLeadLensProperty(p))
            .map((propertyName) => ({
              subscriptionType: 'object.propertyChange',
              objectType: 'contact',
              propertyName,
              active: true,
            })),
        ],
        legacyCrmObjects: [],
        hubEvents: [],
      },
    },
  };
}

/** The `distribution.ts` an extension is built with (see cards/distribution.ts). */
function distributionModule(kind: DistributionKind, backendUrl: string): string {
  const value =
    kind === 'private'
      ? "{ kind: 'private' }"
      : `{ kind: 'marketplace', backendUrl: ${JSON.stringify(backendUrl)} }`;
  return (
    '/** Written by npm run build:hubspot: which distribution this build is for. */\n' +
    "export type Distribution = { kind: 'private' } | { kind: 'marketplace'; backendUrl: string };\n\n" +
    `export const DISTRIBUTION: Distribution = ${value};\n`
  );
}

/**
 * The app component of the marketplace variant: the private app's name, description and
 * scopes, with OAuth auth, the redirect URL of the backend's callback and the backend's origin
 * as the one URL hubspot.fetch may call.
 */
export function marketplaceAppComponent(
  app: Record<string, unknown>,
  base: string,
): Record<string, unknown> {
  const config = app.config as Record<string, unknown>;
  const auth = config.auth as { requiredScopes?: string[]; optionalScopes?: string[] };
  const required = [...(auth.requiredScopes ?? [])];
  if (!required.includes('oauth')) required.push('oauth');
  const permitted = (config.permittedUrls ?? {}) as Record<string, unknown>;
  return {
    ...app,
    config: {
      ...config,
      distribution: 'marketplace',
      auth: {
        type: 'oauth',
        redirectUrls: [base + OAUTH_CALLBACK_PATH],
        requiredScopes: required,
        optionalScopes: auth.optionalScopes ?? [],
        conditionallyRequiredScopes: [],
      },
      permittedUrls: { ...permitted, fetch: [new URL(base).origin] },
    },
  };
}

export async function buildHubSpotProject(opts: BuildOptions): Promise<BuildSummary> {
  const base = checkPublicUrl(opts.publicUrl);
  const distribution = opts.distribution ?? 'private';
  if (distribution !== 'private' && distribution !== 'marketplace') {
    throw new LeadLensError('CONFIG_INVALID', `Unknown distribution "${String(distribution)}".`, {
      hint: 'Use --distribution private (static auth, app functions) or marketplace (OAuth, hubspot.fetch).',
    });
  }
  const webhookProperties = (opts.webhookProperties ?? DEFAULT_WEBHOOK_PROPERTIES).filter(
    (p) => !isLeadLensProperty(p),
  );
  const { root, outDir } = opts;
  const app = path.join(outDir, 'src', 'app');
  await fs.rm(outDir, { recursive: true, force: true });
  await writeJson(path.join(outDir, 'hsproject.json'), {
    name: PROJECT_NAME,
    srcDir: 'src',
    platformVersion: PLATFORM_VERSION,
  });
  const appMeta = await readJson(path.join(root, 'app', 'app-hsmeta.json'));
  await writeJson(
    path.join(app, 'app-hsmeta.json'),
    distribution === 'marketplace' ? marketplaceAppComponent(appMeta, base) : appMeta,
  );
  const dist = distributionModule(distribution, base);
  await copyExtension(root, path.join(root, 'cards'), path.join(app, 'cards'), dist);
  await copyExtension(root, path.join(root, 'app', 'settings'), path.join(app, 'settings'), dist);
  const functions =
    distribution === 'private'
      ? await buildFunctions(
          opts.functionsDir ?? path.join(root, 'functions'),
          path.join(app, 'functions'),
        )
      : [];

  const actionDir = path.join(root, 'app', 'workflow-actions');
  for (const f of (await fs.readdir(actionDir)).filter((f) => f.endsWith('-hsmeta.json'))) {
    const meta = await readJson(path.join(actionDir, f));
    const config = meta.config as Record<string, unknown>;
    await writeJson(path.join(app, 'workflow-actions', f), {
      ...meta,
      config: { ...config, actionUrl: base + WORKFLOW_ACTION_PATH },
    });
  }

  const hooks = await readJson(path.join(root, 'app', 'webhooks', 'webhooks-hsmeta.json'));
  await writeJson(
    path.join(app, 'webhooks', 'webhooks-hsmeta.json'),
    webhooksComponent(hooks, base + WEBHOOK_PATH, webhookProperties),
  );

  return {
    outDir,
    distribution,
    functions,
    components: [
      'app',
      'card',
      'settings',
      ...(distribution === 'private' ? ['app-function'] : []),
      'workflow-action',
      'webhooks',
    ],
    webhookProperties,
  };
}

function argValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function cli(argv: string[]): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const publicUrl = argValue(argv, '--public-url') ?? process.env.LEADLENS_PUBLIC_URL;
  if (!publicUrl) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      'No public URL for webhooks and the workflow action.',
      {
        hint: 'Run: npm run build:hubspot -- --public-url https://your-leadlens-host',
      },
    );
  }
  const props = argValue(argv, '--webhook-properties');
  const summary = await buildHubSpotProject({
    root,
    distribution: (argValue(argv, '--distribution') ?? 'private') as DistributionKind,
    outDir: path.resolve(argValue(argv, '--out') ?? path.join(root, 'build', 'hubspot')),
    publicUrl,
    webhookProperties: props
      ? props
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : undefined,
  });
  process.stdout.write(
    `Built ${PROJECT_NAME} (platform ${PLATFORM_VERSION}) in ${summary.outDir}\n` +
      `  functions: ${summary.functions.join(', ') || '(none)'}\n` +
      `  webhook properties: ${summary.webhookProperties.length}\n` +
      `Upload with: cd ${path.relative(process.cwd(), summary.outDir) || '.'} && hs project upload\n`,
  );
}

if (require.main === module) {
  cli(process.argv.slice(2)).catch((e: unknown) => {
    const msg =
      e instanceof LeadLensError ? e.describe() : e instanceof Error ? e.message : String(e);
    process.stderr.write(`build:hubspot failed: ${msg}\n`);
    process.exitCode = 1;
  });
}
