/** Reading the whole mirror in chunks (the store pages by id). */
import type { CrmRecord } from '../contracts/records';
import type { MirroredObjectType, StoreOps } from '../store/port';

export async function allRecords(
  store: StoreOps,
  objectType: MirroredObjectType,
): Promise<CrmRecord[]> {
  const out: CrmRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.listRecords(objectType, { afterId: after, limit: 5000 });
    if (page.length === 0) return out;
    out.push(...page);
    after = page[page.length - 1].id;
  }
}
