/**
 * Every path that scores goes through the one scorer (src/pipeline/scoring.ts `scoreRows`):
 * statically — nothing else in the product calls the model or the explainers to score — and at
 * run time — each path, entered where its caller enters it, is observed calling `scoreRows`, and
 * what it writes or answers is what `scoreRows` returned.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseFactors } from '../../src/contracts/factors';
import type { ScoreRecordResult } from '../../src/contracts/functions';
import { buildProgram } from '../../src/cli/main';
import { runJob, runToCompletion, makeBudget, scoreJob } from '../../src/pipeline';
import * as scoring from '../../src/pipeline/scoring';
import type { Scored } from '../../src/pipeline/scoring';
import type { AppDeps } from '../../src/server/compose';
import { handlers } from '../../src/server/handlers';
import { trainModel, labelsFrom } from '../../src/model';
import {
  allContacts,
  depsFor,
  listenLocal,
  sdk,
  signedPost,
  startPortal,
  tempDb,
  type Emulator,
} from './helpers';

const ROOT = path.resolve(__dirname, '../..');

/** Scoring primitives: calling one of these outside the scorer is a second scorer. */
const PRIMITIVES =
  /\.(predictProba|margin|calibrate)\(|\b(explainRows|describeExplanation|explanationBase|toPoints|treeShap|linearShap|applyCalibration|predictEnsemble|linearPredictor|scoreFromProbability)\b/;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !p.includes('testing')
      ? [p]
      : [];
  });
}

describe('one scorer', () => {
  it('nothing in the product but the scorer calls the model or the explainers to score', () => {
    const allowed = [
      // The model and the explainers themselves.
      path.join(ROOT, 'src/model') + path.sep,
      path.join(ROOT, 'src/explain') + path.sep,
      path.join(ROOT, 'src/pipeline/scoring.ts'),
    ];
    const files = ['src', 'cards', 'app', 'functions'].flatMap((d) => sources(path.join(ROOT, d)));
    expect(files.length).toBeGreaterThan(80);
    const offenders = files
      .filter((f) => !allowed.some((a) => f.startsWith(a)))
      .filter((f) => PRIMITIVES.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(offenders).toEqual([]);
    // The check finds what it looks for.
    expect(
      PRIMITIVES.test(fs.readFileSync(path.join(ROOT, 'src/pipeline/scoring.ts'), 'utf8')),
    ).toBe(true);
  });

  describe('every path, at run time', () => {
    const SECRET = 'one-scorer-secret';
    let emu: Emulator;
    let deps: AppDeps;
    let server: Server;
    let base: string;
    let flush: () => Promise<void>;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-one-scorer-'));
    /** What scoreRows returned, call by call, while spied on. */
    let returned: Scored[][] = [];
    let spy: jest.SpyInstance;

    beforeAll(async () => {
      emu = await startPortal(500, 'one-scorer');
      deps = await depsFor(emu.url, tempDb('one-scorer'), Date.now() + 3_600_000);
      const real = scoring.scoreRows;
      spy = jest.spyOn(scoring, 'scoreRows').mockImplementation((...args) => {
        const out = real(...args);
        returned.push(out);
        return out;
      });
      ({ server, base, flush } = await listenLocal(deps, {
        clientSecret: SECRET,
        webhookBatchWindowMs: 20,
      }));
    });
    afterAll(async () => {
      spy?.mockRestore();
      await new Promise((r) => server?.close(r));
      await deps?.close();
      await emu?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      spy.mockClear();
      returned = [];
    });
    const all = () => returned.flat();

    it('training scores its held-out slice through it, the batch job every open contact', async () => {
      expect((await runToCompletion(deps, { retrain: 'always' })).status).toBe('done');
      expect(spy).toHaveBeenCalled();
      const rows = await deps.store.listScores('contact', { afterId: null, limit: 10_000 });
      expect(rows.length).toBeGreaterThan(100);
      // Held-out (no explanation) + the batch job: every stored score is one the scorer made.
      const made = new Set(all().map((s) => `${s.probability}|${s.score}`));
      for (const r of rows) expect(made.has(`${r.probability}|${r.score}`)).toBe(true);

      spy.mockClear();
      returned = [];
      await runJob(deps, scoreJob(), { budget: makeBudget(60_000, deps.now), restart: true });
      expect(spy).toHaveBeenCalled();
      expect(all().length).toBe(rows.length);
    });

    it("the card's refresh (score-record function)", async () => {
      const row = (await deps.store.listScores('contact', { afterId: null, limit: 1 }))[0];
      const result = (await handlers['score-record'](deps, {
        parameters: { objectType: 'contact', objectId: row.id },
      })) as ScoreRecordResult;
      expect(spy).toHaveBeenCalledTimes(1);
      expect(result.card.score).toBe(all()[0].score);
      expect(result.card.factors?.top).toEqual(all()[0].top);
    });

    it('webhook rescoring', async () => {
      const [target] = (await allContacts(emu.url, ['leadlens_score'])).filter(
        (c) => c.properties.leadlens_score !== null,
      );
      await sdk(emu.url).crm.contacts.basicApi.update(target.id, {
        properties: { pricing_page_views: '25' },
      });
      const rawBody = JSON.stringify([
        {
          eventId: 777,
          subscriptionType: 'contact.propertyChange',
          objectId: Number(target.id),
          propertyName: 'pricing_page_views',
          occurredAt: Date.now(),
        },
      ]);
      const res = await signedPost(`${base}/webhooks/hubspot`, rawBody, SECRET);
      expect(res.status).toBe(200);
      await flush();
      expect(spy).toHaveBeenCalledTimes(1);
      const stored = (await deps.store.getScore('contact', target.id))!;
      expect(stored.score).toBe(all()[0].score);
      expect(parseFactors(stored.factors)!.top).toEqual(all()[0].top);
    });

    it('the workflow action, for a contact it has to score', async () => {
      const created = await sdk(emu.url).crm.contacts.basicApi.create({
        properties: { email: 'first.score@example.org', lifecyclestage: 'lead' },
        associations: [],
      });
      const rawBody = JSON.stringify({
        callbackId: 'ap-9',
        origin: { portalId: 62515 },
        object: { objectId: Number(created.id), objectType: 'CONTACT' },
        inputFields: {},
      });
      const res = await signedPost(`${base}/workflow-actions/lead-score`, rawBody, SECRET);
      const out = ((await res.json()) as { outputFields: { score: number } }).outputFields;
      expect(spy).toHaveBeenCalledTimes(1);
      expect(out.score).toBe(all()[0].score);
    });

    it('leadlens score --csv', async () => {
      const lines = ['Source;Visits;Converted'];
      for (let i = 0; i < 400; i++) {
        const source = ['Referral', 'Ads', 'Organic'][i % 3];
        lines.push(`${source};${i % 9};${(i * 7) % 10 < (source === 'Referral' ? 6 : 2) ? 1 : 0}`);
      }
      const csv = path.join(dir, 'leads.csv');
      fs.writeFileSync(csv, lines.join('\n'));
      const rows = lines.slice(1).map((l) => {
        const [Source, Visits, Converted] = l.split(';');
        return { Source, Visits, Converted };
      });
      const { artifact } = trainModel({
        rows,
        labels: labelsFrom(rows, 'Converted'),
        options: { model: 'logistic', exclude: ['Converted'] },
      });
      const modelFile = path.join(dir, 'model.json');
      fs.writeFileSync(modelFile, JSON.stringify(artifact));
      spy.mockClear();
      returned = [];
      const out = path.join(dir, 'scores.jsonl');
      await buildProgram()
        .exitOverride()
        .parseAsync([
          'node',
          'leadlens',
          'score',
          '--model',
          modelFile,
          '--csv',
          csv,
          '--explain',
          '--out',
          out,
        ]);
      expect(spy).toHaveBeenCalled();
      const printed = fs
        .readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { score: number });
      expect(printed.map((l) => l.score)).toEqual(all().map((s) => s.score));
    });
  });
});
