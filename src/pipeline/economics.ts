/**
 * Tiers from the portal's own deal economics. The held-out slice of the published model's
 * backtests gives, for each lead, the score a model that never saw it gave it at its asOf; the
 * synced deals give what that lead brought afterwards: the amounts of the deals associated with
 * it that closed won after its asOf and within the conversion horizon (point-in-time honest: a
 * deal won before the scoring moment priced nothing, one won later than the label could see is
 * not counted either). Per score band: leads, the share that won a deal, revenue per lead, and
 * the expected value of working a lead there (revenue per lead − the admin's cost per lead
 * worked). The top tier starts where that value turns positive, raised if the team's capacity
 * (leads a week) cannot work everything above it.
 */
import type { EconomicsBand, EconomicsView, TierEconomics } from '../contracts/functions';
import type { DealOutcome } from '../contracts/records';
import { tierFor, type Tier } from '../contracts/settings';

const DAY = 86_400_000;
/** Score bands are this wide (0–9, 10–19, … 90–100). */
export const BAND_WIDTH = 10;

export interface EconomicsHeldOut {
  ids: readonly string[];
  scores: readonly number[];
  /** Each row's asOf (epoch ms). */
  asOf: readonly number[];
}

/** What each held-out lead brought: won deals after its asOf, within the horizon. */
export function leadRevenue(
  heldOut: EconomicsHeldOut,
  deals: readonly DealOutcome[],
  horizonDays: number,
): { won: boolean[]; revenue: number[]; wonWithoutAmount: number; dealsUsed: number } {
  const byContact = new Map<string, DealOutcome[]>();
  for (const d of deals) {
    if (!d.isWon || !d.closedAt) continue;
    for (const c of d.contactIds) {
      const list = byContact.get(c) ?? [];
      list.push(d);
      byContact.set(c, list);
    }
  }
  const won: boolean[] = [];
  const revenue: number[] = [];
  let wonWithoutAmount = 0;
  const used = new Set<string>();
  heldOut.ids.forEach((id, i) => {
    const t0 = heldOut.asOf[i]!;
    let sum = 0;
    let any = false;
    for (const d of byContact.get(id) ?? []) {
      const t = Date.parse(d.closedAt!);
      if (!(t > t0 && t <= t0 + horizonDays * DAY)) continue;
      any = true;
      used.add(d.id);
      if (d.amount === null) wonWithoutAmount++;
      else sum += d.amount;
    }
    won.push(any);
    revenue.push(sum);
  });
  return { won, revenue, wonWithoutAmount, dealsUsed: used.size };
}

function summarise(idx: readonly number[], won: boolean[], revenue: number[], cost: number) {
  const leads = idx.length;
  const wins = idx.reduce((a, i) => a + (won[i] ? 1 : 0), 0);
  const total = idx.reduce((a, i) => a + revenue[i]!, 0);
  return {
    leads,
    winRate: leads ? wins / leads : null,
    revenuePerLead: leads ? total / leads : null,
    evPerLead: leads ? total / leads - cost : null,
  };
}

export interface EconomicsInputs {
  heldOut: EconomicsHeldOut;
  deals: readonly DealOutcome[];
  horizonDays: number;
  openScores: readonly number[];
  weeklyInflow: number | null;
}

/** Score bands of the held-out slice, best first, with their win rate and value per lead. */
export function economicsBands(
  inputs: EconomicsInputs,
  costPerLead: number,
): {
  bands: EconomicsBand[];
  won: boolean[];
  revenue: number[];
  wonWithoutAmount: number;
  dealsUsed: number;
} {
  const r = leadRevenue(inputs.heldOut, inputs.deals, inputs.horizonDays);
  const bands: EconomicsBand[] = [];
  for (let from = 100 - BAND_WIDTH; from >= 0; from -= BAND_WIDTH) {
    const to = from + BAND_WIDTH;
    const idx: number[] = [];
    inputs.heldOut.scores.forEach((s, i) => {
      if (s >= from && (s < to || to === 100)) idx.push(i);
    });
    bands.push({ from, to, ...summarise(idx, r.won, r.revenue, costPerLead) });
  }
  return { bands, ...r };
}

/**
 * The lowest score from which working leads pays: the lower edge of the lowest band in the run
 * of bands from the top whose expected value per lead is positive (bands without held-out leads
 * are passed over). 100 when even the best band loses money.
 */
export function breakEvenScore(bands: readonly EconomicsBand[]): number {
  let edge = 100;
  for (const b of bands) {
    if (b.evPerLead === null) continue;
    if (b.evPerLead <= 0) break;
    edge = b.from;
  }
  return edge;
}

/** Per tier: held-out leads and their value, and what a week of its open leads is worth. */
export function tierEconomics(
  tiers: readonly Tier[],
  inputs: EconomicsInputs,
  won: boolean[],
  revenue: number[],
  costPerLead: number,
): TierEconomics[] {
  const open = inputs.openScores.length;
  return tiers.map((t) => {
    const idx: number[] = [];
    inputs.heldOut.scores.forEach((s, i) => {
      if (tierFor(s, tiers).value === t.value) idx.push(i);
    });
    const s = summarise(idx, won, revenue, costPerLead);
    const share = open
      ? inputs.openScores.filter((x) => tierFor(x, tiers).value === t.value).length / open
      : 0;
    const weeklyLeads = inputs.weeklyInflow === null ? null : share * inputs.weeklyInflow;
    return {
      value: t.value,
      label: t.label,
      minScore: t.minScore,
      ...s,
      weeklyLeads,
      weeklyEv: weeklyLeads === null || s.evPerLead === null ? null : weeklyLeads * s.evPerLead,
    };
  });
}

/** The view the settings page and the report show (tiers: the ones to price). */
export function economicsView(
  tiers: readonly Tier[],
  inputs: EconomicsInputs,
  req: { costPerLead: number; leadsPerWeek: number },
  capacityScore: number,
): EconomicsView {
  const b = economicsBands(inputs, req.costPerLead);
  return {
    costPerLead: req.costPerLead,
    leadsPerWeek: req.leadsPerWeek,
    horizonDays: inputs.horizonDays,
    heldOutLeads: inputs.heldOut.ids.length,
    dealsUsed: b.dealsUsed,
    wonWithoutAmount: b.wonWithoutAmount,
    bands: b.bands,
    breakEvenScore: breakEvenScore(b.bands),
    capacityScore,
    tiers: tierEconomics(tiers, inputs, b.won, b.revenue, req.costPerLead),
  };
}
