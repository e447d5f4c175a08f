/** Reading the whole mirror in chunks (the store pages by id). */
import type { CrmRecord } from '../contracts/records';
import type { StoredObjectType, StorePort } from '../store/port';

export function allRecords(store: StorePort, objectType: StoredObjectType): CrmRecord[] {
  const out: CrmRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const page = store.listRecords(objectType, { afterId: after, limit: 5000 });
    if (page.length === 0) return out;
    out.push(...page);
    after = page[page.length - 1].id;
  }
}
