import {
  Alert,
  Button,
  EmptyState,
  ErrorState,
  StatisticsItem,
  TableRow,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { CardData, ScoreRecordResult } from '../src/contracts/functions';
import { CompanyScoreCard } from './CompanyScoreCard';
import type { Serverless } from './FeedbackForm';
import { SAMPLE_FACTORS } from './testing/sample-factors';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const SCORED: Record<string, string | null> = {
  leadlens_account_score: '78',
  leadlens_account_tier: 'tier_1',
  leadlens_account_factors: JSON.stringify(SAMPLE_FACTORS),
  leadlens_account_reasons: 'Lead source is Referral: +34',
  leadlens_account_model_version: '1',
  leadlens_account_scored_at: '2026-03-10T09:00:00.000Z',
  leadlens_account_score_change: '0',
  // A contact's score on the company is not the account's.
  leadlens_score: '3',
};

const contact = (id: number, p: Record<string, string | null>) => ({
  toObjectId: id,
  associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 280, label: '' }],
  properties: p,
});

const COMMITTEE = [
  contact(11, {
    firstname: 'Ada',
    lastname: 'Ng',
    jobtitle: 'Marketing Manager',
    hs_buying_role: 'INFLUENCER',
    leadlens_score: '41',
    leadlens_tier: 'tier_2',
  }),
  contact(12, {
    firstname: 'Bo',
    lastname: 'Ruiz',
    jobtitle: 'VP Sales',
    hs_buying_role: 'DECISION_MAKER',
    leadlens_score: '83',
    leadlens_tier: 'tier_1',
  }),
  contact(13, { firstname: null, lastname: null, email: 'cy@example.com', jobtitle: 'Intern' }),
];
const LABELS: Record<string, string> = {
  INFLUENCER: 'Influencer',
  DECISION_MAKER: 'Decision maker',
  tier_1: 'Hot',
  tier_2: 'Warm',
};

type R = ReturnType<typeof createRenderer<'crm.record.sidebar'>>;

interface Setup {
  raw?: Record<string, string | null>;
  propsError?: Error | null;
  members?: typeof COMMITTEE;
  membersError?: Error | null;
  hasNextPage?: boolean;
  serverless?: Serverless;
}

function render(s: Setup = {}) {
  const r: R = createRenderer('crm.record.sidebar');
  const raw = s.raw ?? SCORED;
  r.mocks.useCrmProperties.willCall((names, options) => ({
    properties: options?.propertiesToFormat
      ? { leadlens_account_tier: raw.leadlens_account_tier ? 'Hot' : null }
      : Object.fromEntries(names.map((n) => [n, raw[n] ?? null])),
    error: s.propsError ?? null,
    isLoading: false,
    isRefetching: false,
    refetch: async () => {},
  }));
  const nextPage = jest.fn();
  r.mocks.useAssociations.willCall((config, options) => {
    const members = s.members ?? COMMITTEE;
    const format = options?.propertiesToFormat;
    return {
      results: members.map((m) => ({
        ...m,
        properties: Object.fromEntries(
          (config.properties ?? []).map((n) => {
            const v = m.properties[n as keyof typeof m.properties] ?? null;
            return [n, Array.isArray(format) && format.includes(n) && v ? (LABELS[v] ?? v) : v];
          }),
        ),
      })),
      error: s.membersError ?? null,
      isLoading: false,
      isRefetching: false,
      pagination: {
        hasNextPage: s.hasNextPage ?? false,
        hasPreviousPage: false,
        currentPage: 1,
        pageSize: 10,
        nextPage,
        previousPage: () => {},
        reset: () => {},
      },
      refetch: async () => {},
    };
  });
  r.render(<CompanyScoreCard serverless={s.serverless ?? (async () => ({}))} now={() => NOW} />);
  return { r, nextPage };
}

describe('CompanyScoreCard', () => {
  it('shows the account score from leadlens_account_* with its tier and the factors that add up', () => {
    const { r } = render();
    expect(r.find(StatisticsItem).props).toMatchObject({ number: 78, label: 'Likelihood to buy' });
    expect(r.findAll(Tag)[0]!.text).toBe('Hot');
    const shown = SAMPLE_FACTORS.top.reduce((s, f) => s + f.points, 0);
    expect(SAMPLE_FACTORS.base + shown + SAMPLE_FACTORS.otherPoints).toBe(78);
    expect(r.findByTestId(Text, 'score-meta').text).toContain(`Baseline ${SAMPLE_FACTORS.base}`);
  });

  it('lists the buying committee, highest contact score first, with role, seniority and tier', () => {
    const { r } = render();
    const rows = r.findAll(TableRow).slice(1); // the header row first
    const texts = rows.map((row) => row.findAll(Text).map((t) => t.text));
    expect(texts).toEqual([
      ['Bo Ruiz', 'VP Sales', 'VP', 'Decision maker', '83'],
      ['Ada Ng', 'Marketing Manager', 'Manager', 'Influencer', '41'],
      ['cy@example.com', 'Intern', 'Student / intern', 'Not scored'],
    ]);
    expect(rows[0]!.find(Tag).text).toBe('Hot');
    expect(rows[1]!.find(Tag).text).toBe('Warm');
    expect(r.findByTestId(Text, 'committee-summary').text).toBe(
      '3 contacts, 1 director level or above, 2 scored',
    );
  });

  it('pages a bigger committee', () => {
    const { r, nextPage } = render({ hasNextPage: true });
    expect(r.findByTestId(Text, 'committee-summary').text).toMatch(/^3\+ contacts/);
    const more = r.findAll(Button).find((b) => b.text === 'Next contacts')!;
    more.trigger('onClick');
    expect(nextPage).toHaveBeenCalledTimes(2);
  });

  it('an unscored company still lists its committee; none says so', () => {
    const { r } = render({ raw: { leadlens_score: '55' } });
    expect(r.find(EmptyState).props.title).toBe('Not scored');
    expect(r.findAll(TableRow)).toHaveLength(1 + COMMITTEE.length);
    const empty = render({ members: [] });
    expect(empty.r.findByTestId(Text, 'committee-empty').text).toMatch(/No contacts/);
  });

  it('failed reads show errors with a retry, never a blank card', () => {
    expect(render({ propsError: new Error('boom') }).r.find(ErrorState).props.title).toMatch(
      /Could not load the LeadLens account score/,
    );
    const { r } = render({ membersError: new Error('nope') });
    expect(r.find(StatisticsItem).props.number).toBe(78);
    expect(r.find(ErrorState).props.title).toMatch(/buying committee/);
  });

  it('refreshes the account score through score-record (objectType company), committee kept', async () => {
    const calls: unknown[] = [];
    const { r } = render({
      serverless: async (name, options) => {
        calls.push({ name, options });
        const objectId = String((options?.parameters as { objectId?: string }).objectId);
        const card: CardData = {
          objectType: 'company',
          objectId,
          source: { objectType: 'company', objectId },
          score: 61,
          tier: { value: 'tier_2', label: 'Warm' },
          factors: { ...SAMPLE_FACTORS, score: 61 },
          reasons: null,
          modelVersion: '2',
          scoredAt: NOW.toISOString(),
          scoreChange: -17,
        };
        const result: ScoreRecordResult = { card, written: true };
        return result;
      },
    });
    r.findAll(Button)
      .find((b) => b.text === 'Refresh score')!
      .trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Score refreshed'));
    expect(calls).toEqual([
      {
        name: 'score-record',
        options: {
          parameters: { objectType: 'company', objectId: expect.stringMatching(/^\d+$/) },
        },
      },
    ]);
    expect(r.find(StatisticsItem).props.number).toBe(61);
    expect(r.findAll(Tag)[0]!.text).toBe('Warm');
    expect(r.findAll(TableRow)).toHaveLength(1 + COMMITTEE.length);
  });

  it('a refresh without an account model, or of a company without contacts, says which', async () => {
    let code = 'NO_MODEL';
    const { r } = render({
      raw: {},
      serverless: async () => ({
        error:
          code === 'NO_MODEL'
            ? { code, message: 'There is no published account model yet.', hint: 'Run later.' }
            : {
                code,
                message: 'Company 1 has no contacts.',
                hint: 'Associate the company’s contacts with it in HubSpot, then refresh.',
              },
      }),
    });
    const refresh = () =>
      r
        .findAll(Button)
        .find((b) => b.text === 'Refresh score')!
        .trigger('onClick');
    refresh();
    await r.waitFor(() => expect(r.find(EmptyState).props.title).toBe('No account model yet'));
    expect(r.find(Alert).text).toContain('no published account model');
    code = 'NOT_ENOUGH_DATA';
    refresh();
    await r.waitFor(() => expect(r.find(Alert).text).toContain('has no contacts'));
    // Not the portal-wide "no model" state: this company cannot be scored, others can.
    expect(r.find(EmptyState).props.title).toBe('Not scored');
    expect(r.find(Alert).text).toContain('Associate the company');
  });
});
