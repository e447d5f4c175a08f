/**
 * The CRM as it stood at a moment, rebuilt from the mirrors' history: later versions of a value
 * and records created later are gone, a deal closed later is still open. What a model published
 * at that moment could have been fitted on (the account model's replayed contact scores).
 */
import type { CrmRecord, DealOutcome } from '../../contracts/records';
import { parseDate } from '../../features';
import type { ObjectWorld } from './snapshot';

/** The record as the CRM showed it at `t`; null when it did not exist yet. */
export function recordAt(r: CrmRecord, t: number): CrmRecord | null {
  if ((parseDate(r.createdAt) ?? Infinity) > t) return null;
  const history: CrmRecord['history'] = {};
  const properties: CrmRecord['properties'] = {};
  for (const [name, versions] of Object.entries(r.history)) {
    const kept = versions.filter((v) => (parseDate(v.timestamp) ?? Infinity) <= t);
    history[name] = kept;
    properties[name] = kept.length ? kept[kept.length - 1]!.value : null;
  }
  return { ...r, history, properties, updatedAt: new Date(t).toISOString() };
}

/** Deal outcomes as known at `t`: deals created later gone, a close after `t` not happened. */
export function dealsAt(deals: readonly DealOutcome[], t: number): DealOutcome[] {
  return deals.flatMap((d) => {
    if ((parseDate(d.createdAt) ?? Infinity) > t) return [];
    const closed = d.closedAt !== null && (parseDate(d.closedAt) ?? Infinity) <= t;
    const stageHistory = d.stageHistory?.filter((s) => (parseDate(s.at) ?? Infinity) <= t);
    const known = { ...d, ...(stageHistory ? { stageHistory } : {}) };
    return [closed ? known : { ...known, isClosed: false, isWon: false, closedAt: null }];
  });
}

export function worldAt(w: ObjectWorld, t: number): ObjectWorld {
  const map = (m: ReadonlyMap<string, CrmRecord>) =>
    new Map(
      [...m].flatMap(([id, r]) => {
        const c = recordAt(r, t);
        return c ? [[id, c] as const] : [];
      }),
    );
  return {
    contacts: map(w.contacts),
    companies: map(w.companies),
    deals: w.deals.flatMap((d) => recordAt(d, t) ?? []),
    contactSpec: w.contactSpec,
    ...(w.members ? { members: map(w.members) } : {}),
  };
}
