/**
 * Account (buying committee) scores (issue 16) on the demo portal, through the real
 * @hubspot/api-client against the emulator: point-in-time company rows (nothing after asOf),
 * factors that add up, and a model that beats the naive baselines (the best contact score alone,
 * the committee size alone) on a time-held-out slice by a stated margin.
 */
import { parseFactors } from '../../src/contracts/factors';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import {
  accountLine,
  accountSummaryOf,
  runJobToEnd,
  syncJob,
  writebackJob,
} from '../../src/pipeline';
import { accountScoresJob } from '../../src/pipeline/objects/account-job';
import {
  accountRow,
  accountTrainingSet,
  contactModelAt,
  contactScorerOf,
  scoreAccounts,
  trainAccountModel,
  trainingContactScorer,
  type ContactScorer,
} from '../../src/pipeline/objects/accounts';
import { accountReportLines, runAccountScores } from '../../src/pipeline/objects/account-run';
import type { ObjectWorld } from '../../src/pipeline/objects/snapshot';
import { loadWorld } from '../../src/pipeline/objects/world';
import type { AppDeps } from '../../src/server/compose';
import { accountSlice, SLICE_CONTACTS } from '../support/account-slice';
import { cutWorld } from '../support/object-world';
import { depsFor, sdk, startPortal, tempDb, type Emulator } from './helpers';

/**
 * The model must beat the committee size alone by this much AUC on the newest slice (measured
 * over seeds accounts / s2 / s3: +0.28 / +0.13 / +0.17)…
 */
const MARGIN = 0.1;
/**
 * …and be no worse than the best contact score alone by more than this (measured +0.027 /
 * +0.016 / −0.004; one AUC on ~220 rows has a standard error near 0.035, so 1,500 contacts
 * cannot show a margin above it — `npm run bench:accounts` measures it on bigger portals).
 */
const SLACK = 0.02;

/** The generator's seed; ACCOUNT_SEED runs the comparison on another portal (docs/account-scores.md). */
const SEED = process.env.ACCOUNT_SEED ?? 'accounts';

const CONTACTS = SLICE_CONTACTS;

/** The contact model a deployment would have published at `t` (outcomes known then only). */
function contactScorerAt(world: ObjectWorld, t: number): ContactScorer {
  const lm = contactModelAt(world, t, CONTACTS);
  expect(lm).not.toBeNull();
  return contactScorerOf(lm!);
}

describe('account scores on the demo portal', () => {
  let emu: Emulator;
  let deps: AppDeps;
  let world: ObjectWorld;
  const now = Date.now() + 3_600_000;

  beforeAll(async () => {
    emu = await startPortal(1500, SEED);
    deps = await depsFor(emu.url, tempDb('accounts'), now);
    const sync = await runJobToEnd(deps, () => syncJob());
    expect(sync.status).toBe('done');
    const before = deps.crm.usage().calls;
    world = await loadWorld(deps.crm, deps.store);
    // The extra read calls: one list page of 50 per 50 deals and per 50 companies (with history).
    expect(deps.crm.usage().calls - before).toBe(
      Math.ceil(world.deals.length / 50) + Math.ceil(world.companies.size / 50),
    );
  });
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('builds each company row from what was known at its asOf only', () => {
    const set = accountTrainingSet(world, now, null);
    expect(set.ids.length).toBeGreaterThan(400);
    const times = [...set.times].sort((a, b) => a - b);
    const scorer = contactScorerAt(world, times[Math.floor(times.length / 2)]!);
    const step = Math.max(1, Math.floor(set.ids.length / 40));
    for (let i = 0; i < set.ids.length; i += step) {
      const asOf = set.times[i]!;
      const past = cutWorld(world, asOf);
      const company = past.companies.get(set.ids[i]!)!;
      // The same row from the world as it stood at asOf: nothing later was read.
      expect(accountRow(past, company, asOf, scorer)).toEqual(
        accountRow(world, world.companies.get(set.ids[i]!)!, asOf, scorer),
      );
      expect(accountRow(past, company, asOf, null)).toEqual(set.rows[i]);
    }
    // A row whose horizon is still open and that has not won is censored, never a loss.
    const open = set.labels.filter((l, i) => l === null && set.times[i]! > now - 90 * 86_400_000);
    expect(open.length).toBeGreaterThan(0);
  });

  it('beats the committee size alone on a time-held-out slice and matches the best contact score', () => {
    const r = accountSlice(world, now, {
      company: (id) => emu.portal.companyTruth(id)?.propensity,
      contact: (id) => emu.portal.truth(id)?.propensity,
    });
    console.log(JSON.stringify(r));
    expect(r.testRows).toBeGreaterThan(100);
    expect(r.verdictOk).toBe(true);
    expect(r.modelAuc).toBeGreaterThan(r.sizeAuc + MARGIN);
    // The best score among members not yet customers, each at its 30-day mark (a feature the
    // model reads), is the strongest contact baseline: measured +0.053 / +0.012 / −0.011.
    expect(r.modelAuc).toBeGreaterThan(
      Math.max(r.bestContactAuc, r.combinedContactAuc, r.bestProspectAuc) - SLACK,
    );
    // It ranks companies by their hidden propensity clearly better than chance.
    expect(r.rankVsTruth).toBeGreaterThan(0.4);
  });

  it('scores companies with a committee, with factors that add up to the score', () => {
    const model = trainAccountModel(world, {
      now,
      seed: 7,
      tiers: DEFAULT_SETTINGS.tiers,
      scorer: trainingContactScorer(world, now, CONTACTS),
    });
    const scorer = contactScorerAt(world, now);
    const rows = scoreAccounts(model.loaded, world, {
      asOf: now,
      tiers: DEFAULT_SETTINGS.tiers,
      scoredAt: new Date(now).toISOString(),
      scorer,
    });
    expect(rows.length).toBeGreaterThan(100);
    const tierValues = DEFAULT_SETTINGS.tiers.map((t) => t.value);
    for (const r of rows) {
      expect(r.objectType).toBe('company');
      const f = parseFactors(r.factors)!;
      expect(f.score).toBe(r.score);
      expect(f.base + f.top.reduce((s, x) => s + x.points, 0) + f.otherPoints).toBe(r.score);
      expect(tierValues).toContain(r.tier);
    }
    // The committee is what the factors speak of.
    const labels = new Set(rows.flatMap((r) => parseFactors(r.factors)!.top.map((x) => x.label)));
    expect([...labels].some((l) => /committee|contact score/i.test(l))).toBe(true);
  });

  it('writes leadlens_account_* through the one write-back path; a second run writes nothing', async () => {
    const kinds = { ...deps.crm.usage().byKind };
    const first = await runAccountScores(deps, { world });
    const byKind = Object.fromEntries(
      Object.entries(deps.crm.usage().byKind)
        .map(([k, n]) => [k, n - (kinds[k] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    expect(first.verdict).toBe('OK');
    expect(first.scored).toBeGreaterThan(100);
    expect(first.written).toBe(first.scored);
    expect(first.failed).toEqual([]);
    // Extra calls with the world passed on: provisioning once, then ⌈scored / 100⌉ batch updates.
    const writes = Math.ceil(first.scored / 100);
    console.log(
      JSON.stringify({
        companies: first.companies,
        scored: first.scored,
        written: first.written,
        calls: first.calls,
        writes,
        byKind,
        byTier: first.byTier,
      }),
    );
    const report = accountReportLines(first);
    expect(report[0]).toMatch(/^Account scores: 380 companies, \d+ company moments/);
    expect(report[1]).toBe(
      `Scored ${first.scored} companies with a committee (${Object.entries(first.byTier)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}); wrote ${first.written}, 0 failed.`,
    );
    expect(report[2]).toMatch(/no published contact model/);
    const client = sdk(emu.url);
    const names = ['leadlens_account_score', 'leadlens_account_tier', 'leadlens_account_factors'];
    let checked = 0;
    let after: string | undefined;
    do {
      const page = await client.crm.companies.basicApi.getPage(100, after, names);
      for (const c of page.results) {
        const p = c.properties;
        if (p.leadlens_account_score == null) continue;
        const f = parseFactors(p.leadlens_account_factors)!;
        expect(Number(p.leadlens_account_score)).toBe(f.score);
        expect(f.base + f.top.reduce((s, x) => s + x.points, 0) + f.otherPoints).toBe(f.score);
        checked++;
      }
      after = page.paging?.next?.after;
    } while (after);
    expect(checked).toBe(first.scored);
    const second = await runAccountScores(deps, { world });
    expect(second.scored).toBe(first.scored);
    expect(second.written).toBe(0);
    // Nothing to write: no batch update, only the provisioning check.
    expect(second.calls).toBeLessThan(first.calls);
  });

  it('runs as a job of the run: a stored company model version, the one write-back job, nothing new to write', async () => {
    // The deal job mirrors deals and companies; here the world read above stands in for it.
    await deps.store.transaction((tx) =>
      tx.upsertRecords([
        ...world.deals.map((d) => ({ ...d, objectType: 'deal' as const })),
        ...[...world.companies.values()].map((c) => ({ ...c, objectType: 'company' as const })),
      ]),
    );
    const job = await runJobToEnd(deps, () => accountScoresJob());
    expect(job.status).toBe('done');
    const summary = accountSummaryOf({ accounts: job.summary })!;
    expect(summary.trained).toBe(true);
    expect(summary.modelVersion).toBe(1);
    expect((await deps.store.listObjectModels('company')).map((m) => m.status)).toEqual([
      'published',
    ]);
    const before = deps.crm.usage().calls;
    const write = await runJobToEnd(deps, () =>
      writebackJob({ name: 'account-writeback', objectTypes: ['company'] }),
    );
    expect(write.status).toBe('done');
    // The same model on the same data: runAccountScores wrote these values already.
    expect(summary.scored).toBeGreaterThan(100);
    expect(write.summary.written).toBe(0);
    expect(deps.crm.usage().calls - before).toBe(0);
    expect(accountLine({ ...summary, written: 0 })).toMatch(
      /^accounts +\d+ companies scored, 0 written; account model v1 \(new\) {2}AUC 0\.\d{3}$/,
    );
  });
});
