import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MARKETPLACE_SCOPES } from '../src/server/oauth/config';
import { buildHubSpotProject, checkFunctionBundle } from './build-hubspot';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const VALIDATOR = path.join(__dirname, 'validate-hubspot-project.mjs');

interface Validation {
  ok: boolean;
  errors?: string;
  nodes?: { uid: string; componentType: string; metaFilePath: string }[];
  fetched: string[];
}

/** HubSpot's own parser/validator, in a child process because the library is ESM-only. */
async function validate(dir: string): Promise<Validation> {
  try {
    const { stdout } = await run(process.execPath, [VALIDATOR, dir], { cwd: ROOT });
    return JSON.parse(stdout) as Validation;
  } catch (e) {
    const out = (e as { stdout?: string }).stdout;
    if (out) return JSON.parse(out) as Validation;
    throw e;
  }
}

describe('build:hubspot', () => {
  let tmp: string;
  let out: string;
  let fns: string;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'leadlens-hs-'));
    fns = path.join(tmp, 'functions');
    out = path.join(tmp, 'project');
    await fs.mkdir(fns);
    // Functions shaped like the real ones: main(context), importing src/ code to be bundled.
    const contracts = path.join(ROOT, 'src', 'contracts', 'functions').replace(/\\/g, '/');
    await fs.writeFile(
      path.join(fns, 'score-record.ts'),
      `import { RecordRefSchema } from '${contracts}';\n` +
        `export const main = async (context: { parameters?: unknown } = {}) => RecordRefSchema.parse(context.parameters);\n`,
    );
    await fs.writeFile(
      path.join(fns, 'feedback.ts'),
      `import { FeedbackRequestSchema } from '${contracts}';\n` +
        `export const main = async (context: { parameters?: unknown } = {}) => FeedbackRequestSchema.parse(context.parameters).kind;\n`,
    );
    await fs.writeFile(path.join(fns, 'feedback.test.ts'), 'it("x", () => undefined);\n');
    await buildHubSpotProject({
      root: ROOT,
      outDir: out,
      publicUrl: 'https://leadlens.example.com/',
      functionsDir: fns,
      webhookProperties: ['jobtitle', 'leadlens_score', 'hs_lead_status'],
    });
  });
  afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

  it("passes HubSpot's translate with every expected component", async () => {
    const result = await validate(out);
    expect(result.errors).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.fetched).toEqual(['project-components-external/project-schemas/v3/2026.03']);
    const byUid = Object.fromEntries((result.nodes ?? []).map((n) => [n.uid, n]));
    expect(byUid.leadlens_app.componentType).toBe('APPLICATION');
    expect(byUid.leadlens_score_card).toMatchObject({
      componentType: 'CARD',
      metaFilePath: 'app/cards/lead-score-card-hsmeta.json',
    });
    expect(byUid.leadlens_settings.componentType).toBe('SETTINGS');
    expect(byUid.leadlens_score_action.componentType).toBe('WORKFLOW_ACTION');
    expect(byUid.leadlens_webhooks.componentType).toBe('WEBHOOKS');
    expect(byUid['score-record'].componentType).toBe('APP_FUNCTION');
    expect(byUid.feedback.componentType).toBe('APP_FUNCTION');
    expect(byUid['feedback.test']).toBeUndefined();
    expect(byUid['hubspot-serverless-package-uid'].componentType).toBe('SERVERLESS_PACKAGE');
  });

  it('bundles each function into one self-contained CJS file that runs', async () => {
    const fn = require(path.join(out, 'src/app/functions/score-record.js')) as {
      main(c: unknown): Promise<unknown>;
    };
    await expect(fn.main({ parameters: { objectId: '42' } })).resolves.toEqual({
      objectType: 'contact',
      objectId: '42',
    });
    await expect(fn.main({ parameters: { objectId: 'x' } })).rejects.toThrow(/numeric/);
    const js = await fs.readFile(path.join(out, 'src/app/functions/score-record.js'), 'utf8');
    expect(js).not.toMatch(/require\(["'][./]*src\//);
  });

  it('fills the public URLs and the webhook subscriptions, never for leadlens_* properties', async () => {
    const hooks = JSON.parse(
      await fs.readFile(path.join(out, 'src/app/webhooks/webhooks-hsmeta.json'), 'utf8'),
    );
    expect(hooks.config.settings.targetUrl).toBe('https://leadlens.example.com/webhooks/hubspot');
    const names = hooks.config.subscriptions.crmObjects.map(
      (s: { propertyName?: string }) => s.propertyName,
    );
    expect(names).toEqual([undefined, 'jobtitle', 'hs_lead_status']);
    const action = JSON.parse(
      await fs.readFile(
        path.join(out, 'src/app/workflow-actions/lead-score-action-hsmeta.json'),
        'utf8',
      ),
    );
    expect(action.config.actionUrl).toBe(
      'https://leadlens.example.com/workflow-actions/lead-score',
    );
    const card = await fs.readFile(path.join(out, 'src/app/cards/LeadScoreCard.tsx'), 'utf8');
    expect(card).toContain("from './contracts/functions'");
    expect(card).not.toContain('src/contracts');
    // The error family travels with the cards: the shared refresh hook they import reads it
    // (contracts/errors.ts re-exports it from ../errors).
    expect(card).toContain("from './object-refresh'");
    const refresh = await fs.readFile(path.join(out, 'src/app/cards/object-refresh.tsx'), 'utf8');
    expect(refresh).toContain("from './errors'");
    expect(refresh).not.toContain('src/errors');
    await expect(
      fs.readFile(path.join(out, 'src/app/cards/errors/index.ts'), 'utf8'),
    ).resolves.toContain('export class LeadLensError');
  });

  it("the validator's structural checks really run: a duplicate settings page and a bad uid fail", async () => {
    const broken = path.join(tmp, 'broken');
    await fs.cp(out, broken, { recursive: true });
    await fs.writeFile(
      path.join(broken, 'src/app/settings/second-settings-hsmeta.json'),
      JSON.stringify({
        uid: 'other_settings',
        type: 'settings',
        config: { entrypoint: '/app/settings/SettingsPage.tsx' },
      }),
    );
    await fs.writeFile(
      path.join(broken, 'src/app/cards/bad-hsmeta.json'),
      JSON.stringify({ uid: 'bad uid!', type: 'card', config: {} }),
    );
    const result = await validate(broken);
    expect(result.ok).toBe(false);
    expect(result.errors).toMatch(/Only one settings component is allowed/);
    expect(result.errors).toMatch(/bad-hsmeta\.json/);
  });

  it('the private variant: static auth, functions, extensions calling hubspot.serverless', async () => {
    const app = JSON.parse(await fs.readFile(path.join(out, 'src/app/app-hsmeta.json'), 'utf8'));
    expect(app.config.distribution).toBe('private');
    expect(app.config.auth.type).toBe('static');
    for (const ext of ['cards', 'settings']) {
      const dist = await fs.readFile(path.join(out, `src/app/${ext}/distribution.ts`), 'utf8');
      expect(dist).toContain("DISTRIBUTION: Distribution = { kind: 'private' }");
      await expect(
        fs.readFile(path.join(out, `src/app/${ext}/transport.ts`), 'utf8'),
      ).resolves.toContain('export function functionCaller');
    }
    const page = await fs.readFile(path.join(out, 'src/app/settings/SettingsPage.tsx'), 'utf8');
    expect(page).toContain("from './transport'");
    expect(page).not.toContain('cards/transport');
  });

  it('the marketplace variant: OAuth app, no functions, extensions calling the backend with hubspot.fetch', async () => {
    const market = path.join(tmp, 'marketplace');
    const summary = await buildHubSpotProject({
      root: ROOT,
      outDir: market,
      publicUrl: 'https://leadlens.example.com/',
      functionsDir: fns,
      distribution: 'marketplace',
    });
    expect(summary.functions).toEqual([]);
    const result = await validate(market);
    expect(result.errors).toBeUndefined();
    expect(result.ok).toBe(true);
    const types = Object.fromEntries((result.nodes ?? []).map((n) => [n.uid, n.componentType]));
    expect(types).toMatchObject({
      leadlens_app: 'APPLICATION',
      leadlens_score_card: 'CARD',
      leadlens_settings: 'SETTINGS',
      leadlens_score_action: 'WORKFLOW_ACTION',
      leadlens_webhooks: 'WEBHOOKS',
    });
    expect(Object.values(types)).not.toContain('APP_FUNCTION');
    expect(Object.values(types)).not.toContain('SERVERLESS_PACKAGE');
    await expect(fs.stat(path.join(market, 'src/app/functions'))).rejects.toThrow();

    const app = JSON.parse(await fs.readFile(path.join(market, 'src/app/app-hsmeta.json'), 'utf8'));
    const privateApp = JSON.parse(
      await fs.readFile(path.join(ROOT, 'app/app-hsmeta.json'), 'utf8'),
    );
    expect(app.uid).toBe(privateApp.uid);
    expect(app.config.distribution).toBe('marketplace');
    expect(app.config.auth).toEqual({
      type: 'oauth',
      redirectUrls: ['https://leadlens.example.com/oauth/callback'],
      requiredScopes: [...privateApp.config.auth.requiredScopes, 'oauth'],
      optionalScopes: [],
      conditionallyRequiredScopes: [],
    });
    expect(app.config.permittedUrls.fetch).toEqual(['https://leadlens.example.com']);
    // The backend's scopes are the app's (its authorize URL must name every required one).
    expect(app.config.auth.requiredScopes).toEqual([...MARKETPLACE_SCOPES]);
    for (const ext of ['cards', 'settings']) {
      const dist = await fs.readFile(path.join(market, `src/app/${ext}/distribution.ts`), 'utf8');
      expect(dist).toContain(
        `DISTRIBUTION: Distribution = { kind: 'marketplace', backendUrl: "https://leadlens.example.com" }`,
      );
    }
  });

  it('refuses an unknown distribution', async () => {
    await expect(
      buildHubSpotProject({
        root: ROOT,
        outDir: path.join(tmp, 'y'),
        publicUrl: 'https://leadlens.example.com',
        functionsDir: fns,
        distribution: 'public' as never,
      }),
    ).rejects.toThrow(/Unknown distribution/);
  });

  it('refuses a non-HTTPS public URL with a clear error', async () => {
    await expect(
      buildHubSpotProject({
        root: ROOT,
        outDir: path.join(tmp, 'x'),
        publicUrl: 'http://127.0.0.1:3000',
        functionsDir: fns,
      }),
    ).rejects.toThrow(/HTTPS/);
  });
});

describe('function bundles keep to pure JavaScript', () => {
  const meta = (inputs: string[], imports: Array<{ path: string; external?: boolean }> = []) => ({
    inputs: Object.fromEntries(inputs.map((f) => [f, { bytes: 1, imports: [] }])),
    outputs: {
      'out.js': {
        bytes: 1,
        inputs: {},
        exports: [],
        imports: imports.map((i) => ({ kind: 'require-call' as const, ...i })),
      },
    },
  });

  it('accepts the store through its PostgreSQL engine and the SQLite stand-in, and Node built-ins', () => {
    expect(() =>
      checkFunctionBundle(
        'ok',
        meta(
          ['src/store/open.ts', 'src/store/postgres/engine.ts', 'src/store/sqlite/absent.ts'],
          [
            { path: 'node:fs', external: true },
            { path: 'crypto', external: true },
          ],
        ),
      ),
    ).not.toThrow();
  });

  it.each([
    ['the native SQLite binding', ['node_modules/better-sqlite3/lib/index.js'], []],
    ['the SQLite engine', ['src/store/sqlite/engine.ts'], []],
    ['a native addon', ['node_modules/x/build/Release/x.node'], []],
    ['a package left outside the bundle', [], [{ path: 'pg-native', external: true }]],
  ])('refuses %s', (_what, inputs, imports) => {
    expect(() => checkFunctionBundle('bad', meta(inputs, imports))).toThrow(/not self-contained/);
  });
});
