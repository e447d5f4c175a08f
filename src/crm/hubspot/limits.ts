/**
 * HubSpot's limits the adapter plans around, as the fidelity ledger records them with their
 * sources (docs/hubspot-fidelity.md), and the fewest calls a sync and write-back can take
 * within them.
 */
export const LIMITS = {
  /** Records per list page. */
  listPage: 100,
  /** Records per list page when propertiesWithHistory is asked for. */
  listPageWithHistory: 50,
  /** Inputs per batch read/update/create. */
  batch: 100,
  /** Inputs per batch read with propertiesWithHistory. */
  batchWithHistory: 50,
  /** Results per search page, and the most a query can reach. */
  searchPage: 200,
  searchCap: 10_000,
  /** Characters of a search request body. */
  searchBody: 3000,
  /** Ids per v4 association batch read. */
  associationBatch: 1000,
} as const;

/**
 * The longest request URL the adapter sends. HubSpot answers 414 past a length it does not
 * document; when the properties of a list page would pass this, history is read by batch
 * (a JSON body) instead.
 */
export const MAX_URL_CHARS = 4000;

export interface SyncWork {
  contacts: number;
  deals: number;
  leads: number;
  contactsWritten: number;
  leadsWritten: number;
  /**
   * Contacts' history read on their list pages (50 a page) rather than list pages of 100 plus
   * history batches of 50; false when the property list is too long for a URL.
   */
  historyOnListPages: boolean;
}

const pages = (n: number, per: number) => Math.max(1, Math.ceil(n / per));
const batches = (n: number, per: number) => Math.ceil(n / per);

/**
 * The fewest calls a full sync plus write-back can make: one property-metadata call; contacts
 * with history (⌈N/50⌉ list pages with history, else ⌈N/100⌉ pages + ⌈N/50⌉ history batches);
 * deal and lead pages of 100 (at least one each, to learn there are none); writes in batches
 * of 100 per object type. Provisioning is not counted.
 */
export function minimumCalls(w: SyncWork): number {
  const contacts = w.historyOnListPages
    ? pages(w.contacts, LIMITS.listPageWithHistory)
    : pages(w.contacts, LIMITS.listPage) + batches(w.contacts, LIMITS.batchWithHistory);
  return (
    1 +
    contacts +
    pages(w.deals, LIMITS.listPage) +
    pages(w.leads, LIMITS.listPage) +
    batches(w.contactsWritten, LIMITS.batch) +
    batches(w.leadsWritten, LIMITS.batch)
  );
}
