/**
 * The account model on a time-held-out slice (test/e2e/account-scores.test.ts and
 * `npm run bench:accounts` share it): trained as of the 70th percentile of company moments with
 * what was known then, judged on the later moments whose outcome is known, beside the naive
 * baselines (a committee's best and combined contact score as reps see them, the committee size)
 * and the generator's hidden truths.
 */
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import type { CrmRecord } from '../../src/contracts/records';
import { scoreRows } from '../../src/pipeline';
import {
  accountTrainingSet,
  contactModelAt,
  contactScorerOf,
  trainAccountModel,
  trainingContactScorer,
} from '../../src/pipeline/objects/accounts';
import { committeeOf, type ObjectWorld } from '../../src/pipeline/objects/snapshot';
import { snapshotRecords } from '../../src/pipeline/score-records';
import { auc, spearman } from './object-world';

export const SLICE_CONTACTS = { conversion: DEFAULT_SETTINGS.conversion, deals: [], seed: 7 };

export interface AccountSlice {
  testRows: number;
  testPositives: number;
  trainRows: number;
  verdictOk: boolean;
  chosen: string;
  modelAuc: number;
  bestContactAuc: number;
  combinedContactAuc: number;
  bestProspectAuc: number;
  sizeAuc: number;
  /** The generator's hidden company propensity (companies that have one). */
  truthAuc: number;
  /** The best member's hidden contact propensity: what a perfect contact model would show. */
  trueBestContactAuc: number;
  rankVsTruth: number;
  bestVsTruth: number;
}

export function accountSlice(
  world: ObjectWorld,
  now: number,
  truth: {
    company: (id: string) => number | undefined;
    contact: (id: string) => number | undefined;
  },
): AccountSlice {
  const all = accountTrainingSet(world, now, null);
  const sorted = [...all.times].sort((a, b) => a - b);
  const cut = sorted[Math.floor(0.7 * sorted.length)]!;
  // What a deployment knew at the cut: training rows read out-of-fold contact models fitted
  // at the cut, the test rows the contact model published at the cut; outcomes known then only.
  const trained = trainAccountModel(world, {
    now: cut,
    seed: 7,
    tiers: DEFAULT_SETTINGS.tiers,
    scorer: trainingContactScorer(world, cut, SLICE_CONTACTS),
  });
  const cutModel = contactModelAt(world, cut, SLICE_CONTACTS);
  if (!cutModel) throw new Error('no contact model can be fitted at the cut');
  const later = accountTrainingSet(world, now, contactScorerOf(cutModel));
  const test = later.ids
    .map((_, i) => i)
    .filter((i) => later.times[i]! >= cut && later.labels[i] !== null);
  const rows = test.map((i) => later.rows[i]!);
  const labels = test.map((i) => later.labels[i]!);
  const scores = scoreRows(trained.loaded, rows, { top: 0, explain: false }).map(
    (s) => s.probability,
  );
  const num = (k: string) => rows.map((r) => Number(r[k] ?? 0));
  const members = test.map((i): CrmRecord[] =>
    committeeOf(world, world.companies.get(later.ids[i]!)!, [], later.times[i]!),
  );
  // The best and combined contact score as reps see them: every member scored as of asOf by
  // the contact model of the cut (customers included).
  const shown = test.map((i, k) =>
    members[k]!.length === 0
      ? []
      : scoreRows(cutModel, snapshotRecords(cutModel, members[k]!, later.times[i]!), {
          top: 0,
          explain: false,
        }).map((s) => s.probability),
  );
  const companyTruth = test.map((i) => truth.company(later.ids[i]!) ?? NaN);
  const known = companyTruth.flatMap((t, k) => (Number.isFinite(t) ? [k] : []));
  const trueBest = members.map((ms) => Math.max(0, ...ms.map((m) => truth.contact(m.id) ?? 0)));
  return {
    testRows: test.length,
    testPositives: labels.filter((l) => l === 1).length,
    trainRows: trained.set.labels.filter((l) => l !== null).length,
    verdictOk: trained.result.report.verdict.ok,
    chosen: trained.result.report.chosen,
    modelAuc: auc(scores, labels),
    bestContactAuc: auc(
      shown.map((ps) => Math.max(0, ...ps)),
      labels,
    ),
    combinedContactAuc: auc(
      shown.map((ps) => 1 - ps.reduce((a, p) => a * (1 - p), 1)),
      labels,
    ),
    bestProspectAuc: auc(num('committee_best_score'), labels),
    sizeAuc: auc(num('committee_size'), labels),
    truthAuc: auc(
      known.map((k) => companyTruth[k]!),
      known.map((k) => labels[k]!),
    ),
    trueBestContactAuc: auc(trueBest, labels),
    rankVsTruth: spearman(
      known.map((k) => companyTruth[k]!),
      known.map((k) => scores[k]!),
    ),
    bestVsTruth: spearman(
      known.map((k) => companyTruth[k]!),
      known.map((k) => Number(rows[k]!.committee_best_score ?? 0)),
    ),
  };
}
