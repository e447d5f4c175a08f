/**
 * Deal scores: the likelihood that an open deal closes won. Trained on closed deals, each seen
 * as it stood at a few ages while still open (a stage it reached later does not exist in that
 * row); the same model core (rolling-origin backtests with an embargo, calibration, the
 * verdict), the same scoring envelope and the one scorer as contacts.
 */
import type { CrmRecord } from '../../contracts/records';
import type { Tier } from '../../contracts/settings';
import { parseDate, type FeatureRow } from '../../features';
import type { ScoreRow } from '../../store/port';
import type { LoadedModel } from '../scoring-model';
import { scoreRecords } from '../score-records';
import { dealFields, dealOutcome, dealRow, type ObjectWorld } from './snapshot';
import { trainObjectModel, type ObjectModel } from './train';

const DAY = 86_400_000;
/** Ages at which a closed deal is seen for training (while it was still open then). */
export const DEAL_SNAPSHOT_AGES_DAYS = [3, 21, 45] as const;
/** A deal's outcome may stay open this long after a snapshot: folds leave such rows out. */
export const DEAL_EMBARGO_DAYS = 120;

export interface ObjectTrainingSet {
  ids: string[];
  rows: FeatureRow[];
  labels: Array<0 | 1>;
  /** The row's asOf (epoch ms). */
  times: number[];
}

/**
 * Every closed deal at each snapshot age it reached while open (and before `now`). Open deals
 * give no row: their outcome is unknown (censored), never counted as lost.
 */
export function dealTrainingSet(world: ObjectWorld, now: number): ObjectTrainingSet {
  const set: ObjectTrainingSet = { ids: [], rows: [], labels: [], times: [] };
  for (const deal of world.deals) {
    const outcome = dealOutcome(deal);
    const created = parseDate(deal.createdAt);
    if (!outcome || created === null || outcome.closedAt > now) continue;
    for (const age of DEAL_SNAPSHOT_AGES_DAYS) {
      const asOf = created + age * DAY;
      if (asOf >= outcome.closedAt) break;
      set.ids.push(deal.id);
      set.rows.push(dealRow(world, deal, asOf));
      set.labels.push(outcome.won ? 1 : 0);
      set.times.push(asOf);
    }
  }
  return set;
}

export type DealModel = ObjectModel<ObjectTrainingSet>;

export function trainDealModel(
  world: ObjectWorld,
  opts: { now: number; seed: number; tiers: readonly Tier[]; version?: number },
): DealModel {
  const set = dealTrainingSet(world, opts.now);
  const plan = dealFields(world.contactSpec);
  return trainObjectModel(set, plan, {
    seed: opts.seed,
    tiers: opts.tiers,
    version: opts.version,
    backtest: { embargo: DEAL_EMBARGO_DAYS * DAY },
  });
}

/** Open deals, as of `asOf`, through the one scorer. */
export function scoreDeals(
  lm: LoadedModel,
  world: ObjectWorld,
  deals: readonly CrmRecord[],
  opts: { asOf: number; tiers: readonly Tier[]; scoredAt: string },
): ScoreRow[] {
  const open = deals.filter((d) => {
    const o = dealOutcome(d);
    return !o || o.closedAt > opts.asOf;
  });
  return scoreRecords(lm, open, {
    objectType: 'deal',
    asOf: opts.asOf,
    tiers: opts.tiers,
    scoredAt: opts.scoredAt,
    rows: open.map((d) => dealRow(world, d, opts.asOf)),
  });
}
