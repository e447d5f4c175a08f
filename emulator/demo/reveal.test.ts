import { PortalState } from '../hubspot/state/portal';
import { generatePortal } from './generate';
import { Reveal } from './reveal';

const DAY = 86_400_000;
const NOW = '2026-06-01T00:00:00.000Z';

describe('Reveal: a generated world shown to a live portal up to a moment', () => {
  const world = generatePortal({ seed: 'reveal', contacts: 300, now: NOW });
  const contacts = world.state.stores.contacts;

  test('creates what existed by then with the same ids, and every value as it was then', () => {
    const live = new PortalState(0);
    const reveal = new Reveal(world, live);
    const t = Date.parse(NOW) - 60 * DAY;
    reveal.until(t);
    const existed = contacts.ids.filter((id) => contacts.byId.get(id)!.createdAt <= t);
    expect(existed.length).toBeGreaterThan(100);
    expect(existed.length).toBeLessThan(contacts.ids.length);
    expect(live.stores.contacts.ids).toEqual(existed);
    const asOf = (versions: Array<{ value: string; timestamp: number }>) =>
      versions.find((v) => v.timestamp <= t)?.value ?? null;
    for (const id of existed.slice(0, 50)) {
      const w = contacts.byId.get(id)!;
      const l = live.stores.contacts.get(id)!;
      for (const p of ['lifecyclestage', 'hs_analytics_num_visits', 'pricing_page_views', 'email'])
        expect(live.stores.contacts.value(l, p)).toBe(asOf(contacts.versions(w, p)));
      expect(live.associations.list('contacts', id, 'companies')).toEqual(
        world.state.associations.list('contacts', id, 'companies'),
      );
    }
  });

  test('ends as the world at its clock, moving forward only', () => {
    const live = new PortalState(0);
    const reveal = new Reveal(world, live);
    reveal.until(Date.parse(NOW) - 30 * DAY);
    const last = reveal.until(Date.parse(NOW));
    expect(last.writes).toBeGreaterThan(0);
    expect(() => reveal.until(Date.parse(NOW) - DAY)).toThrow(/forward/);
    expect(live.stores.contacts.ids).toEqual(contacts.ids);
    for (const id of contacts.ids.slice(-40)) {
      const w = contacts.byId.get(id)!;
      const l = live.stores.contacts.get(id)!;
      for (const p of ['lifecyclestage', 'hs_lifecyclestage_customer_date', 'hs_email_open'])
        expect(live.stores.contacts.value(l, p)).toBe(contacts.value(w, p));
    }
  });
});
