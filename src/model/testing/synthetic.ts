/**
 * Seeded synthetic leads for tests: a known logistic ground truth over a number, a category,
 * a yes/no field, a date and a multi-select, with placeholders and gaps like real exports.
 */
import { makeRng } from '../rng';
import type { Label } from '../evaluation/split';
import type { RawRow } from '../types';

export interface SyntheticLeads {
  rows: RawRow[];
  labels: Label[];
  times: number[];
}

const SOURCES = ['Referral', 'Organic', 'Paid', 'Event', 'Partner'];
const SOURCE_EFFECT: Record<string, number> = {
  Referral: 1.2,
  Organic: 0,
  Paid: -0.4,
  Event: 0.5,
  Partner: 0.2,
};
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

export function syntheticLeads(n: number, seed = 1, opts: { leak?: boolean } = {}): SyntheticLeads {
  const rng = makeRng(seed);
  const normal = (): number => {
    const u = Math.max(1e-12, rng.next());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const rows: RawRow[] = [];
  const labels: Label[] = [];
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const visits = Math.max(0, Math.round(4 + 3 * normal()));
    const source = SOURCES[rng.int(SOURCES.length)]!;
    const optIn = rng.next() < 0.4;
    const lastSeenDays = rng.int(60);
    const created = T0 + i * DAY;
    const pages = ['pricing', 'blog', 'docs', 'careers'].filter(() => rng.next() < 0.3);
    const z =
      -1 +
      0.25 * (visits - 4) +
      SOURCE_EFFECT[source]! +
      (optIn ? 0.6 : 0) -
      0.03 * lastSeenDays +
      (pages.includes('pricing') ? 0.8 : 0);
    const y = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    const row: Record<string, RawRow[string]> = {
      id: `L${i + 1}`,
      visits: rng.next() < 0.05 ? '' : String(visits),
      source: rng.next() < 0.05 ? 'Select' : source,
      opt_in: optIn ? 'Yes' : 'No',
      last_seen: new Date(created - lastSeenDays * DAY).toISOString().slice(0, 10),
      pages: pages.join(';'),
    };
    // A rep's tag written after the outcome: what the leakage guard must catch.
    if (opts.leak) row.closed_reason = y === 1 ? (rng.next() < 0.9 ? 'Won - signed' : '') : '';
    rows.push(row);
    labels.push(y);
    times.push(created);
  }
  return { rows, labels, times };
}
