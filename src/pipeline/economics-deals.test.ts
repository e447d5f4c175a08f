import type { CrmRecord, DealOutcome } from '../contracts/records';
import { economicsDeals } from './economics-deals';

const iso = (d: string) => `${d}T00:00:00.000Z`;

function synced(id: string, lead: string, closedAt: string | null, won: boolean): DealOutcome {
  return {
    id,
    createdAt: iso('2026-01-01'),
    closedAt,
    isClosed: closedAt !== null,
    isWon: won,
    amount: 1000,
    contactIds: [lead],
  };
}

/** A mirrored deal as the Salesforce adapter reads it (objects.ts): closed when the stage moved. */
function mirrored(
  id: string,
  leads: string[],
  closedAt: string | null,
  won: boolean,
  amount: string | null,
): CrmRecord {
  return {
    id,
    objectType: 'deal',
    createdAt: iso('2026-01-01'),
    updatedAt: iso('2026-03-01'),
    properties: {
      amount,
      hs_is_closed: String(closedAt !== null),
      hs_is_closed_won: String(won),
    },
    history: {
      hs_is_closed: [
        { value: 'false', timestamp: iso('2026-01-01') },
        ...(closedAt ? [{ value: 'true', timestamp: closedAt }] : []),
      ],
    },
    associations: { contact: leads },
  };
}

describe('economicsDeals: the contact sync’s deals joined with the deal mirror', () => {
  it('adds the mirror’s deals and the Leads their contact roles name', () => {
    const out = economicsDeals(
      [synced('o1', 'L1', iso('2026-02-28'), true)],
      [
        mirrored('o1', ['L1', 'L2'], '2026-02-10T15:00:00.000Z', true, '1200'),
        mirrored('o2', ['L3', 'L4'], '2026-02-20T09:00:00.000Z', true, '5000'),
      ],
    );
    const byId = new Map(out.map((d) => [d.id, d]));
    // The mirror's close is the moment the stage moved, not the expected CloseDate.
    expect(byId.get('o1')).toMatchObject({
      closedAt: '2026-02-10T15:00:00.000Z',
      isWon: true,
      amount: 1200,
      contactIds: ['L1', 'L2'],
    });
    expect(byId.get('o2')).toMatchObject({ isWon: true, amount: 5000, contactIds: ['L3', 'L4'] });
  });

  it('keeps the sync’s outcome where the mirror was read before the deal closed', () => {
    const [d] = economicsDeals(
      [synced('o1', 'L1', iso('2026-02-28'), true)],
      [mirrored('o1', ['L1', 'L2'], null, false, '900')],
    );
    expect(d).toMatchObject({ closedAt: iso('2026-02-28'), isWon: true, amount: 1000 });
    expect(d!.contactIds).toEqual(['L1', 'L2']);
  });

  it('joins one deal read once per Lead, and reads an amount it cannot parse as none', () => {
    const out = economicsDeals(
      [synced('o1', 'L1', null, false), synced('o1', 'L2', null, false)],
      [mirrored('o3', ['L5'], '2026-02-01T00:00:00.000Z', true, 'n/a')],
    );
    expect(out.find((d) => d.id === 'o1')!.contactIds).toEqual(['L1', 'L2']);
    expect(out.find((d) => d.id === 'o3')!.amount).toBeNull();
  });
});
