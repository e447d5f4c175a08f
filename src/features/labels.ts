/**
 * Labels. A contact "converts" at one moment, per the admin's definition; a training row is
 * the contact as it was `snapshotAgeDays` after creation (its `asOf`), labelled by whether it
 * converted within the horizon after that. Rows whose horizon has not ended yet and that have
 * not converted are censored (null), not counted as losses.
 */
import type { CrmRecord, DealOutcome } from '../contracts/records';
import type { Conversion } from '../contracts/settings';
import { snapshot, type FeatureRow } from './snapshot';
import type { FeatureSpec } from './spec';
import { DAY_MS, parseDate } from './values';

/** HubSpot's lifecycle stages in their (forward-only) order; 'other' has no rank. */
const STAGE_RANK: Record<string, number> = {
  subscriber: 1,
  lead: 2,
  marketingqualifiedlead: 3,
  salesqualifiedlead: 4,
  opportunity: 5,
  customer: 6,
  evangelist: 7,
};

function firstReach(
  record: CrmRecord,
  minRank: number,
  dateProperties: readonly string[],
): number | null {
  for (const v of record.history.lifecyclestage ?? []) {
    if ((STAGE_RANK[v.value ?? ''] ?? 0) >= minRank) {
      const t = parseDate(v.timestamp);
      if (t !== null) return t;
    }
  }
  const dates = dateProperties
    .map((p) => parseDate(record.properties[p]))
    .filter((t): t is number => t !== null);
  if (dates.length) return Math.min(...dates);
  if ((STAGE_RANK[record.properties.lifecyclestage ?? ''] ?? 0) >= minRank) {
    // Converted, but nothing says when: assume "from the start", so the record is treated as
    // already converted (dropped from training) rather than given a made-up date.
    return parseDate(record.createdAt);
  }
  return null;
}

/** When the record converted (epoch ms), or null if it has not. */
export function conversionMoment(
  record: CrmRecord,
  deals: readonly DealOutcome[],
  conversion: Conversion,
): number | null {
  switch (conversion.kind) {
    case 'lifecycle_customer':
      return firstReach(record, STAGE_RANK.customer, ['hs_lifecyclestage_customer_date']);
    case 'lifecycle_sql':
      return firstReach(record, STAGE_RANK.salesqualifiedlead, [
        'hs_lifecyclestage_salesqualifiedlead_date',
        'hs_lifecyclestage_opportunity_date',
        'hs_lifecyclestage_customer_date',
      ]);
    case 'lead_converted': {
      // ConvertedDate is a date: the conversion is surely known at the end of that day.
      if (record.properties.isconverted !== 'true') return null;
      const day = parseDate(record.properties.converteddate);
      return day === null ? parseDate(record.createdAt) : day + DAY_MS - 1;
    }
    case 'deal_won': {
      const mine = new Set(record.associations.deal ?? []);
      let first: number | null = null;
      for (const d of deals) {
        if (!d.isWon || !(mine.has(d.id) || d.contactIds.includes(record.id))) continue;
        const t = parseDate(d.closedAt);
        if (t !== null && (first === null || t < first)) first = t;
      }
      return first;
    }
  }
}

/**
 * The deals of each contact (by the deal's contacts or the contact's deal associations),
 * so labelling n contacts is not n × (all deals).
 */
export function dealIndex(deals: readonly DealOutcome[]): (record: CrmRecord) => DealOutcome[] {
  const byContact = new Map<string, DealOutcome[]>();
  const byId = new Map(deals.map((d) => [d.id, d]));
  for (const d of deals) {
    for (const c of d.contactIds) {
      const list = byContact.get(c);
      if (list) list.push(d);
      else byContact.set(c, [d]);
    }
  }
  return (record) => {
    const mine = new Set(byContact.get(record.id) ?? []);
    for (const id of record.associations.deal ?? []) {
      const d = byId.get(id);
      if (d) mine.add(d);
    }
    return [...mine];
  };
}

/** A prospect can be scored at `at` when it has not converted by then. */
export function isOpenAt(
  record: CrmRecord,
  deals: readonly DealOutcome[],
  conversion: Conversion,
  at: number,
): boolean {
  const c = conversionMoment(record, deals, conversion);
  return c === null || c > at;
}

export interface TrainingSet {
  ids: string[];
  rows: FeatureRow[];
  /** 1 converted within the horizon after asOf, 0 did not, null censored. */
  labels: Array<0 | 1 | null>;
  /** asOf (epoch ms) of each row, for the time split. */
  times: number[];
  /** The same moments as `times`: the snapshot time of each row. */
  asOf: number[];
  /** Why contacts did not become rows. */
  dropped: { tooYoung: number; alreadyConverted: number; noCreateDate: number };
}

export interface TrainingOptions {
  conversion: Conversion;
  /** Epoch ms: the present; nothing after it is known. */
  now: number;
  /** The demo generator's ground truth snapshots at creation + 30 days. */
  snapshotAgeDays?: number;
  spec: FeatureSpec;
}

export function buildTrainingSet(
  contacts: readonly CrmRecord[],
  deals: readonly DealOutcome[],
  opts: TrainingOptions,
): TrainingSet {
  const age = (opts.snapshotAgeDays ?? 30) * DAY_MS;
  const horizon = opts.conversion.horizonDays * DAY_MS;
  const dealsOf = dealIndex(deals);
  const out: TrainingSet = {
    ids: [],
    rows: [],
    labels: [],
    times: [],
    asOf: [],
    dropped: { tooYoung: 0, alreadyConverted: 0, noCreateDate: 0 },
  };
  for (const c of contacts) {
    const created = parseDate(c.createdAt) ?? parseDate(c.properties.createdate);
    if (created === null) {
      out.dropped.noCreateDate++;
      continue;
    }
    const asOf = created + age;
    if (asOf > opts.now) {
      out.dropped.tooYoung++;
      continue;
    }
    const conv = conversionMoment(c, dealsOf(c), opts.conversion);
    if (conv !== null && conv <= asOf) {
      out.dropped.alreadyConverted++;
      continue;
    }
    let label: 0 | 1 | null;
    if (conv !== null && conv <= asOf + horizon) label = 1;
    else if (asOf + horizon > opts.now) label = null;
    else label = 0;
    out.ids.push(c.id);
    out.rows.push(snapshot(c, asOf, opts.spec));
    out.labels.push(label);
    out.times.push(asOf);
  }
  out.asOf = out.times;
  return out;
}
