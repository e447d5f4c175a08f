/**
 * Deal scores inside the normal run (issue 16): the run scores deals after contacts and keeps
 * the deal model as a deal model version; a portal with too few closed deals gets none and is
 * told why. Small portals: the model's numbers are in deal-scores.test.ts.
 */
import { runJobToEnd, runToCompletion, syncJob } from '../../src/pipeline';
import { dealSummaryOf, runDealScores } from '../../src/pipeline/objects/run';
import { MIN_CLOSED_DEALS } from '../../src/pipeline/objects/job';
import { dealLine } from '../../src/cli/commands/pipeline';
import { accountSummaryOf } from '../../src/pipeline';
import type { AppDeps } from '../../src/server/compose';
import {
  depsFor,
  startPortal,
  sqlsAsConversions,
  tempDb,
  writesOf,
  type Emulator,
} from './helpers';

const now = Date.now() + 3_600_000;

describe('deal scores in the run', () => {
  let emu: Emulator;
  let deps: AppDeps;

  beforeAll(async () => {
    emu = await startPortal(120, 'few-deals');
    deps = await depsFor(emu.url, tempDb('deal-run'), now);
    await sqlsAsConversions(deps, now);
  });
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('scores the contacts, then the deals, keeping the deal model as its own version', async () => {
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 });
    expect(res.status).toBe('done');
    const deals = dealSummaryOf(res.summary, 0)!;
    expect(deals.closed).toBeGreaterThanOrEqual(MIN_CLOSED_DEALS);
    expect(deals.trained).toBe(true);
    const models = await deps.store.listObjectModels('deal');
    expect(models.map((m) => m.version)).toEqual([1]);
    // The contact model is v1 of its own line: the deal model did not take a contact version.
    expect((await deps.store.getPublishedModel())?.version).toBe(1);
    if (deals.verdict === 'OK') {
      expect(deals.modelVersion).toBe(1);
      expect(deals.scored).toBeGreaterThan(0);
      expect(deals.written).toBe(deals.scored);
      expect(Object.keys(await writesOf(emu.url, 'deals')).length).toBe(deals.scored);
    } else {
      // A model without signal is kept retired and scores nothing — and the run says so.
      expect(models[0]!.status).toBe('retired');
      expect(deals.scored).toBe(0);
      expect(deals.skipped).toMatch(/has no signal/);
    }
    expect(dealLine(deals)).toMatch(/^deals +\d+ open scored/);
    // The account stages ran after the deal stages, over the companies the deal job mirrored.
    const accounts = accountSummaryOf(res.summary)!;
    expect(accounts.scored > 0 || accounts.skipped !== null).toBe(true);
    expect(accounts.written).toBe(accounts.scored);
  });

  it('skips the deal stages, saying so, when the run is told to', async () => {
    const res = await runToCompletion(deps, { deals: false, stepBudgetMs: 5000 });
    expect(dealSummaryOf(res.summary, 0)?.skipped).toBe('deal scores turned off (--no-deals)');
  });
});

describe('deal scores on a portal with few closed deals', () => {
  let emu: Emulator;
  let deps: AppDeps;

  beforeAll(async () => {
    emu = await startPortal(60, 'tiny-deals');
    deps = await depsFor(emu.url, tempDb('few-deals'), now);
    expect((await runJobToEnd(deps, () => syncJob())).status).toBe('done');
  });
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('says why there is no deal model, and writes nothing', async () => {
    const out = await runDealScores(deps);
    expect(out.status).toBe('done');
    expect(out.deals).toBeGreaterThan(0);
    expect(out.closed).toBeLessThan(MIN_CLOSED_DEALS);
    expect(out.skipped).toMatch(/^too few closed deals for a deal model: \d+ closed/);
    expect(out.scored).toBe(0);
    expect(out.modelVersion).toBeNull();
    expect(await deps.store.listObjectModels('deal')).toEqual([]);
    expect(Object.keys(await writesOf(emu.url, 'deals'))).toEqual([]);
    // The deals and companies are mirrored for the next run.
    expect(await deps.store.countRecords('deal')).toBe(out.deals);
  });
});
