/**
 * Point-in-time helpers for the deal and account e2e tests: a world as the CRM showed it at a
 * moment (later versions and later records gone), and AUC with ties counted ½.
 */
import type { CrmRecord } from '../../src/contracts/records';
import { parseDate } from '../../src/features';
import type { ObjectWorld } from '../../src/pipeline/objects/snapshot';

export function auc(scores: readonly number[], labels: readonly number[]): number {
  const idx = scores.map((s, i) => [s, labels[i]!] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let pos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j < idx.length && idx[j]![0] === idx[i]![0]) j++;
    const rank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) {
      if (idx[k]![1] !== 1) continue;
      rankSum += rank;
      pos++;
    }
    i = j;
  }
  const neg = idx.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** The record as the CRM showed it at `t`: later versions, and records created later, gone. */
export function cutRecord(r: CrmRecord, t: number): CrmRecord | null {
  if ((parseDate(r.createdAt) ?? Infinity) > t) return null;
  const history: CrmRecord['history'] = {};
  const properties: CrmRecord['properties'] = {};
  for (const [name, versions] of Object.entries(r.history)) {
    history[name] = versions.filter((v) => (parseDate(v.timestamp) ?? Infinity) <= t);
    const kept = history[name]!;
    properties[name] = kept.length ? kept[kept.length - 1]!.value : null;
  }
  return { ...r, history, properties, updatedAt: new Date(t).toISOString() };
}

export function cutWorld(w: ObjectWorld, t: number): ObjectWorld {
  const map = (m: ReadonlyMap<string, CrmRecord>) =>
    new Map(
      [...m].flatMap(([id, r]) => {
        const c = cutRecord(r, t);
        return c ? [[id, c] as const] : [];
      }),
    );
  return {
    contacts: map(w.contacts),
    companies: map(w.companies),
    deals: w.deals.flatMap((d) => cutRecord(d, t) ?? []),
    contactSpec: w.contactSpec,
  };
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (v: readonly number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    let i = 0;
    while (i < order.length) {
      let j = i;
      while (j < order.length && order[j]![0] === order[i]![0]) j++;
      for (let k = i; k < j; k++) r[order[k]![1]] = (i + j - 1) / 2;
      i = j;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}
