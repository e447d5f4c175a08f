/**
 * One error family, mapped once at each edge: an error the model core raises keeps its code and
 * hint all the way to the CLI's stderr and exit status, the function result, the HTTP body and
 * the card.
 */
import { Alert, Button } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { spawnSync } from 'node:child_process';
import type { Server } from 'node:http';
import path from 'node:path';
import { LeadScoreCard } from '../../cards/LeadScoreCard';
import { isLeadLensError } from '../../src/errors';
import { ModelError } from '../../src/model';
import { runToCompletion } from '../../src/pipeline';
import type { AppDeps } from '../../src/server/compose';
import { runFunction } from '../../src/server/function-host';
import {
  AS_ADMIN,
  depsFor,
  listenLocal,
  PORTAL,
  startPortal,
  tempDb,
  TOKEN,
  type Emulator,
} from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const HINT = /30 or more conversions/;

describe("the model's hint reaches every edge", () => {
  let emu: Emulator;
  let deps: AppDeps;
  let server: Server;
  let base: string;
  const db = tempDb('errors');
  const secrets = () => ({
    PRIVATE_APP_ACCESS_TOKEN: TOKEN,
    HUBSPOT_BASE_PATH: emu.url,
    HUBSPOT_PORTAL_ID: PORTAL,
    LEADLENS_DB: db,
  });

  beforeAll(async () => {
    // 40 contacts: a handful of conversions, too few to learn from.
    emu = await startPortal(40, 'errors');
    deps = await depsFor(emu.url, db, Date.now() + 3_600_000);
    ({ server, base } = await listenLocal(deps, { clientSecret: 'x' }));
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await deps?.close();
    await emu?.close();
  });

  it('the pipeline throws the ModelError itself, not INTERNAL', async () => {
    let err: unknown;
    try {
      await runToCompletion(deps, { retrain: 'always' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect(isLeadLensError(err, 'TOO_FEW_POSITIVES')).toBe(true);
    expect((err as ModelError).hint).toMatch(HINT);
    expect((await deps.store.getJob('train'))?.message).toMatch(HINT);
  });

  it('the function result and the HTTP body carry its code and hint', async () => {
    const log = jest.spyOn(console, 'error').mockImplementation(() => {});
    const result = await runFunction('train', { parameters: {}, secrets: secrets() });
    log.mockRestore();
    expect(result).toEqual({
      error: expect.objectContaining({
        code: 'TOO_FEW_POSITIVES',
        hint: expect.stringMatching(HINT),
      }),
    });
    const res = await fetch(`${base}/functions/train`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AS_ADMIN },
      body: JSON.stringify({ parameters: {} }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      error: { code: 'TOO_FEW_POSITIVES', hint: expect.stringMatching(HINT) },
    });
    // Malformed JSON is an error of the same shape.
    const bad = await fetch(`${base}/functions/train`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AS_ADMIN },
      body: '{"parameters":',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'INPUT_INVALID', hint: expect.any(String) },
    });
  });

  it('the CLI prints it on one line and exits 1', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin/leadlens.js'), 'train', '--base-url', emu.url, '--db', db],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          HUBSPOT_ACCESS_TOKEN: TOKEN,
          HUBSPOT_PORTAL_ID: PORTAL,
          LEADLENS_LOG_LEVEL: 'silent',
        },
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^leadlens: Only \d+ converted leads .*30 or more conversions.* \[TOO_FEW_POSITIVES\]\n$/,
    );
  });

  it('the card shows a model error of a refresh with its hint', async () => {
    // A published model from a newer LeadLens: loadModel's ModelError, with how to fix it.
    const version = await deps.store.saveModel({
      status: 'retired',
      modelType: 'logistic',
      artifact: JSON.stringify({
        format: 'leadlens.scoring-model',
        version: 1,
        model: { schemaVersion: 99 },
        features: [],
      }),
      report: '{}',
      trainedAt: new Date().toISOString(),
      publishedAt: null,
    });
    await deps.store.publishModel(version, new Date().toISOString());
    const contactId = (await deps.store.listRecords('contact', { afterId: null, limit: 1 }))[0].id;
    const log = jest.spyOn(console, 'error').mockImplementation(() => {});
    const r = createRenderer('crm.record.sidebar');
    r.mocks.context.crm.objectId = Number(contactId);
    r.mocks.useCrmProperties.willCall(() => ({
      properties: {},
      error: null,
      isLoading: false,
      isRefetching: false,
      refetch: async () => {},
    }));
    r.render(
      <LeadScoreCard
        serverless={(name, options) =>
          runFunction(name, { parameters: options?.parameters ?? {}, secrets: secrets() })
        }
      />,
    );
    r.find(Button, (b) => b.text === 'Refresh score').trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Could not refresh the score'));
    log.mockRestore();
    expect(r.find(Alert).text).toMatch(/schemaVersion 99/);
    expect(r.find(Alert).text).toMatch(/Upgrade LeadLens to load it, or retrain/);
  });
});
