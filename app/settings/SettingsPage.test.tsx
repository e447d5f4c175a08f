import {
  Alert,
  Button,
  ErrorState,
  Input,
  LoadingSpinner,
  NumberInput,
  TableCell,
  Toggle,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { GovernanceCharts } from '../../src/contracts/charts';
import type { SettingsResult } from '../../src/contracts/functions';
import { DEFAULT_SETTINGS, SettingsSchema } from '../../src/contracts/settings';
import { SettingsPage } from './SettingsPage';
import type { Serverless } from './SuggestionPanel';

/** No monitoring yet: the governance charts' empty state. */
const NONE: GovernanceCharts = {
  runs: [],
  alerts: [],
  psi: null,
  auc: null,
  liveCalibration: null,
  empty: { alerts: 'No alert or warning has been raised.' },
};

const LOADED: SettingsResult = {
  settings: DEFAULT_SETTINGS,
  model: {
    version: 3,
    modelType: 'gbdt',
    trainedAt: '2026-03-01',
    auc: 0.812,
    status: 'published',
  },
  stats: [
    {
      value: 'tier_1',
      label: 'Hot',
      minScore: 70,
      count: 120,
      share: 0.06,
      historicalConversionRate: 0.41,
    },
    {
      value: 'tier_2',
      label: 'Warm',
      minScore: 40,
      count: 400,
      share: 0.2,
      historicalConversionRate: 0.12,
    },
    {
      value: 'tier_3',
      label: 'Cool',
      minScore: 15,
      count: 700,
      share: 0.35,
      historicalConversionRate: 0.03,
    },
    {
      value: 'tier_4',
      label: 'Cold',
      minScore: 0,
      count: 780,
      share: 0.39,
      historicalConversionRate: 0.005,
    },
  ],
};

type Call = { name: string; parameters: Record<string, unknown> };

function server(handlers: { save?: (p: Record<string, unknown>) => unknown } = {}) {
  const calls: Call[] = [];
  const serverless: Serverless = async (name, options) => {
    const parameters = (options?.parameters ?? {}) as Record<string, unknown>;
    if (parameters.action !== 'charts' && parameters.action !== 'governanceCharts')
      calls.push({ name, parameters });
    if (parameters.action === 'get') return LOADED;
    if (parameters.action === 'suggest') {
      const result: SettingsResult = {
        ...LOADED,
        suggestion: {
          method: 'capacity',
          tiers: [
            { value: 'tier_1', label: 'Hot', minScore: 82 },
            { value: 'tier_2', label: 'Warm', minScore: 55 },
            { value: 'tier_3', label: 'Cool', minScore: 20 },
            { value: 'tier_4', label: 'Cold', minScore: 0 },
          ],
          stats: [
            {
              value: 'tier_1',
              label: 'Hot',
              minScore: 82,
              count: 50,
              share: 0.025,
              historicalConversionRate: 0.52,
            },
            {
              value: 'tier_2',
              label: 'Warm',
              minScore: 55,
              count: 300,
              share: 0.15,
              historicalConversionRate: 0.2,
            },
            {
              value: 'tier_3',
              label: 'Cool',
              minScore: 20,
              count: 800,
              share: 0.4,
              historicalConversionRate: 0.04,
            },
            {
              value: 'tier_4',
              label: 'Cold',
              minScore: 0,
              count: 850,
              share: 0.425,
              historicalConversionRate: 0.004,
            },
          ],
          rationale: 'The top tier holds about 50 leads, one week of capacity.',
        },
      };
      return result;
    }
    if (parameters.action === 'save') {
      if (handlers.save) return handlers.save(parameters);
      return { ...LOADED, settings: parameters.settings, retiered: 37 };
    }
    // The model charts at the foot of the page (ModelCharts.test.tsx tests them).
    if (parameters.action === 'charts') return { ...LOADED, charts: null };
    // The governance charts below them (GovernanceCharts.test.tsx tests them).
    if (parameters.action === 'governanceCharts') return { ...LOADED, governanceCharts: NONE };
    throw new Error(`unexpected ${String(parameters.action)}`);
  };
  return { calls, serverless };
}

async function loaded(serverless: Serverless) {
  const r = createRenderer('settings');
  r.render(<SettingsPage serverless={serverless} />);
  await r.waitFor(() => expect(r.maybeFind(LoadingSpinner)).toBeNull());
  return r;
}

const button = (label: string) => (b: { text: string | null }) => b.text === label;

describe('SettingsPage', () => {
  it('shows a spinner while loading, then the tiers, model and tier statistics', async () => {
    const { serverless, calls } = server();
    const r = createRenderer('settings');
    r.render(<SettingsPage serverless={serverless} />);
    expect(r.find(LoadingSpinner).props.label).toMatch(/Loading LeadLens settings/);
    await r.waitFor(() => expect(r.maybeFind(LoadingSpinner)).toBeNull());
    expect(calls[0]).toEqual({ name: 'settings', parameters: { action: 'get' } });
    expect(
      r.findAll(Input, (i) => i.props.name.startsWith('tier-')).map((i) => i.props.value),
    ).toEqual(['Hot', 'Warm', 'Cool', 'Cold']);
    expect(r.findAll(TableCell).map((c) => c.text)).toContain('41.0%');
    expect(r.find(Toggle).props.checked).toBe(false);
  });

  it('warns when the newest model has no usable signal and was not published', async () => {
    const r = await loaded(async () => ({
      ...LOADED,
      modelWarning: {
        version: 4,
        code: 'NO_SIGNAL',
        message: 'No candidate beats chance by a margin the backtests support.',
        published: false,
      },
    }));
    const alert = r.findByTestId(Alert, 'model-warning');
    expect(alert.props.title).toBe('Model v4 has no usable signal');
    expect(alert.props.variant).toBe('danger');
    expect(alert.text).toContain('the previous model keeps scoring');
    const ok = await loaded(server().serverless);
    expect(ok.maybeFind(Alert, (a) => a.props.testId === 'model-warning')).toBeNull();
  });

  it('shows open monitoring alerts as a banner', async () => {
    const withAlerts: SettingsResult = {
      ...LOADED,
      alerts: [
        {
          id: 4,
          kind: 'feature_drift',
          severity: 'alert',
          subject: 'industry',
          modelVersion: 3,
          message:
            'Field "industry" has shifted: PSI 0.412 against the model\'s first scoring run.',
          since: '2026-03-02T00:00:00.000Z',
          crmTaskId: '50000001',
        },
      ],
    };
    const r = await loaded(async () => withAlerts);
    const banner = r.find(Alert);
    expect(banner.props.title).toBe('LeadLens monitoring: 1 open alert');
    expect(banner.props.variant).toBe('danger');
    expect(banner.text).toContain('PSI 0.412');
    // Without alerts there is no banner.
    const quiet = await loaded(server().serverless);
    expect(quiet.maybeFind(Alert)).toBeNull();
  });

  it('shows an error state with retry when the settings cannot be loaded', async () => {
    let attempts = 0;
    const r = createRenderer('settings');
    r.render(
      <SettingsPage
        serverless={async () => {
          attempts += 1;
          if (attempts === 1) throw new Error('STORE_ERROR: database is locked');
          return LOADED;
        }}
      />,
    );
    await r.waitFor(() => expect(r.find(ErrorState).props.title).toMatch(/Could not load/));
    r.find(Button, button('Try again')).trigger('onClick');
    await r.waitFor(() => expect(r.maybeFind(ErrorState)).toBeNull());
    expect(attempts).toBe(2);
  });

  it('explains invalid thresholds live and blocks saving', async () => {
    const { serverless } = server();
    const r = await loaded(serverless);
    r.find(NumberInput, { name: 'tier-1-min' }).trigger('onChange', 75 as never);
    await r.waitFor(() =>
      expect(r.findByTestId(Alert, 'tier-errors').text).toContain('strictly decrease'),
    );
    expect(r.find(NumberInput, { name: 'tier-1-min' }).props.validationMessage).toBe(
      'Thresholds must strictly decrease: tier 2 (75) must be below tier 1 (70).',
    );
    expect(r.find(Button, button('Save settings')).props.disabled).toBe(true);
    r.find(Input, { name: 'tier-2-label' }).trigger('onInput', 'hot' as never);
    await r.waitFor(() =>
      expect(r.findByTestId(Alert, 'tier-errors').text).toContain('Tier names must be unique.'),
    );
  });

  it('applies a capacity suggestion showing tier sizes and conversion per tier', async () => {
    const { serverless, calls } = server();
    const r = await loaded(serverless);
    r.find(NumberInput, { name: 'leadsPerWeek' }).trigger('onChange', 50 as never);
    r.findAll(Button, button('Suggest thresholds'))[0].trigger('onClick');
    await r.waitFor(() => expect(r.find(Button, button('Apply these tiers'))).toBeTruthy());
    expect(calls[1].parameters).toEqual({
      action: 'suggest',
      request: { method: 'capacity', leadsPerWeek: 50, tierCount: 4 },
    });
    const cells = r.findAll(TableCell).map((c) => c.text);
    expect(cells).toEqual(expect.arrayContaining(['82', '50', '2.5%', '52.0%']));
    r.find(Button, button('Apply these tiers')).trigger('onClick');
    await r.waitFor(() => expect(r.find(NumberInput, { name: 'tier-0-min' }).props.value).toBe(82));
    expect(r.find(NumberInput, { name: 'tier-2-min' }).props.value).toBe(20);
  });

  it('asks for missing suggestion inputs instead of calling the server', async () => {
    const { serverless, calls } = server();
    const r = await loaded(serverless);
    r.findAll(Button, button('Suggest thresholds'))[1].trigger('onClick');
    await r.waitFor(() =>
      expect(r.find(Alert, { title: 'No suggestion' }).text).toMatch(/deal value/),
    );
    expect(calls).toHaveLength(1);
  });

  it('saves valid settings and reports how many records were re-tiered', async () => {
    const { serverless, calls } = server();
    const r = await loaded(serverless);
    r.find(Toggle).trigger('onChange', true as never);
    r.find(Input, { name: 'features-exclude' }).trigger(
      'onChange',
      'hs_lead_status, Notes_Next' as never,
    );
    await r.waitFor(() => expect(r.find(Toggle).props.checked).toBe(true));
    r.find(Button, button('Save settings')).trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Settings saved'));
    expect(r.find(Alert).text).toContain('37 scored records changed tier');
    const saved = calls.find((c) => c.parameters.action === 'save')?.parameters.settings;
    // What the page sends must pass the server's own zod schema.
    expect(SettingsSchema.parse(saved)).toMatchObject({
      shadowMode: true,
      features: { exclude: ['hs_lead_status', 'notes_next'] },
    });
  });

  it('saves the deal economics entered, the other one defaulting to 1 until it is set', async () => {
    const { serverless, calls } = server();
    const r = await loaded(serverless);
    const leads = () => r.find(NumberInput, { name: 'economics-leads-per-week' });
    const cost = () => r.find(NumberInput, { name: 'economics-cost-per-lead' });
    expect([leads().props.label, leads().props.min, cost().props.label, cost().props.min]).toEqual([
      'Leads the team can work per week',
      1,
      'Cost of working one lead',
      0,
    ]);
    cost().trigger('onChange', 300 as never);
    await r.waitFor(() => expect(leads().props.value).toBe(1));
    leads().trigger('onChange', 15 as never);
    await r.waitFor(() => expect(leads().props.value).toBe(15));
    expect(cost().props.value).toBe(300);
    r.find(Button, button('Save settings')).trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Settings saved'));
    const saved = calls.find((c) => c.parameters.action === 'save')?.parameters.settings;
    expect(SettingsSchema.parse(saved).economics).toEqual({ leadsPerWeek: 15, costPerLead: 300 });
  });

  it('shows the server error when saving fails', async () => {
    const { serverless } = server({
      save: () => ({
        error: {
          code: 'INPUT_INVALID',
          message:
            'Function settings: parameter settings.tiers.1.minScore is invalid: must be below 70.',
          hint: 'Check the parameters the caller sends.',
        },
      }),
    });
    const r = await loaded(serverless);
    r.find(Button, button('Save settings')).trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Could not save'));
    expect(r.find(Alert).props.variant).toBe('danger');
    expect(r.find(Alert).text).toContain('must be below 70');
    expect(r.find(Alert).text).toContain('Check the parameters');
  });

  it('defines a segment with its own thresholds, checks it as typed, and saves what the server accepts', async () => {
    const { serverless, calls } = server();
    const r = await loaded(serverless);
    r.find(Button, button('Add segment')).trigger('onClick');
    await r.waitFor(() => expect(r.find(Input, { name: 'segment-0-key' })).toBeDefined());
    r.find(Input, { name: 'segment-0-key' }).trigger('onChange', 'paid' as never);
    r.find(Input, { name: 'segment-0-values' }).trigger(
      'onChange',
      'PAID_SEARCH, PAID_SOCIAL' as never,
    );
    // Two thresholds for four tiers: the page says so and keeps Save off.
    r.find(Input, { name: 'segment-0-thresholds' }).trigger('onChange', '50, 0' as never);
    await r.waitFor(() =>
      expect(r.find(Input, { name: 'segment-0-key' }).props.validationMessage).toMatch(
        /Give 4 thresholds/,
      ),
    );
    expect(r.find(Button, button('Save settings')).props.disabled).toBe(true);
    r.find(Input, { name: 'segment-0-thresholds' }).trigger('onChange', '60, 30, 10, 0' as never);
    await r.waitFor(() =>
      expect(r.find(Button, button('Save settings')).props.disabled).toBe(false),
    );
    r.find(Button, button('Save settings')).trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Settings saved'));
    const saved = calls.find((c) => c.parameters.action === 'save')?.parameters.settings;
    expect(SettingsSchema.parse(saved).segments.list).toEqual([
      {
        key: 'paid',
        label: 'Segment 1',
        property: 'hs_analytics_source',
        values: ['PAID_SEARCH', 'PAID_SOCIAL'],
        minScores: [60, 30, 10, 0],
      },
    ]);
  });
});
