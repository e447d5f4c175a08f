/**
 * LeadLens app settings (Connected apps → LeadLens → Settings): tiers with suggestions, the
 * conversion definition, features, retraining and shadow mode. Everything goes through the
 * `settings` function; saving re-tiers the scored records without retraining.
 */
import {
  Alert,
  Button,
  Divider,
  ErrorState,
  Flex,
  Heading,
  Input,
  LoadingSpinner,
  NumberInput,
  Select,
  Text,
  Toggle,
  hubspot,
} from '@hubspot/ui-extensions';
import { useEffect, useState } from 'react';
import type { SettingsResult } from '../../src/contracts/functions';
import type { Settings } from '../../src/contracts/settings';
import { describeError, unwrapResult } from '../../src/errors';
import { functionCaller } from '../../cards/transport';
import { DISTRIBUTION } from './distribution';
import { GovernanceCharts } from './GovernanceCharts';
import { ModelCharts } from './ModelCharts';
import { parsePropertyList, validateSettings } from './settings-form';
import { INPUT_FIELDS, SuggestionPanel, TierStatsTable, type Serverless } from './SuggestionPanel';
import { SegmentEditor } from './SegmentEditor';
import { TierEditor } from './TierEditor';

hubspot.extend<'settings'>(() => (
  <SettingsPage serverless={functionCaller(DISTRIBUTION, hubspot)} />
));

type Load =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; result: SettingsResult };
type Notice = { variant: 'success' | 'danger'; title: string; text: string } | null;

const CONVERSIONS: { value: Settings['conversion']['kind']; label: string }[] = [
  { value: 'lifecycle_customer', label: 'Lifecycle stage reaches Customer' },
  { value: 'lifecycle_sql', label: 'Lifecycle stage reaches SQL or Opportunity' },
  { value: 'deal_won', label: 'An associated deal is closed won' },
  { value: 'lead_converted', label: 'Salesforce: the lead is converted' },
];
const MODELS: { value: Settings['model']; label: string }[] = [
  { value: 'auto', label: 'Automatic (best on held-out history)' },
  { value: 'logistic', label: 'Logistic regression' },
  { value: 'gbdt', label: 'Gradient-boosted trees' },
  { value: 'tree', label: 'Single decision tree' },
];

/** The admin's deal economics: the same inputs as the suggestion panels', saved in settings. */
const ECONOMICS_INPUTS: Array<{ key: 'leadsPerWeek' | 'costPerLead'; name: string }> = [
  { key: 'leadsPerWeek', name: 'economics-leads-per-week' },
  { key: 'costPerLead', name: 'economics-cost-per-lead' },
];

export function SettingsPage({ serverless }: { serverless: Serverless }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [draft, setDraft] = useState<Settings | null>(null);
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);

  const fetchSettings = async () => {
    setLoad({ state: 'loading' });
    try {
      const result = unwrapResult<SettingsResult>(
        await serverless('settings', { parameters: { action: 'get' } }),
      );
      setLoad({ state: 'ready', result });
      setDraft(result.settings);
    } catch (e) {
      setLoad({ state: 'error', message: describeError(e) });
    }
  };
  useEffect(() => {
    void fetchSettings();
    // Load once on mount; a retry is the admin's explicit action.
  }, []);

  if (load.state === 'loading' || (load.state === 'ready' && !draft)) {
    return <LoadingSpinner label="Loading LeadLens settings…" layout="centered" />;
  }
  if (load.state === 'error' || !draft) {
    return (
      <ErrorState title="Could not load the LeadLens settings.">
        <Text>{load.state === 'error' ? load.message : 'No settings were returned.'}</Text>
        <Button onClick={() => void fetchSettings()}>Try again</Button>
      </ErrorState>
    );
  }

  const { result } = load;
  const errors = validateSettings(draft);
  const otherError = (field: string) => errors.find((e) => e.field === field)?.message;
  const patch = (p: Partial<Settings>) => {
    setDraft({ ...draft, ...p });
    setNotice(null);
  };

  const save = async () => {
    setSaving(true);
    try {
      const saved = unwrapResult<SettingsResult>(
        await serverless('settings', { parameters: { action: 'save', settings: draft } }),
      );
      setLoad({ state: 'ready', result: saved });
      setDraft(saved.settings);
      const n = saved.retiered ?? 0;
      setNotice({
        variant: 'success',
        title: 'Settings saved',
        text: `${n} scored record${n === 1 ? '' : 's'} changed tier and ${n === 1 ? 'is' : 'are'} queued for write-back. No retraining was needed.`,
      });
    } catch (e) {
      setNotice({
        variant: 'danger',
        title: 'Could not save',
        text: describeError(e),
      });
    } finally {
      setSaving(false);
    }
  };

  const alerts = result.alerts ?? [];
  return (
    <Flex direction="column" gap="md">
      {alerts.length > 0 ? (
        <Alert
          title={`LeadLens monitoring: ${alerts.length} open alert${alerts.length === 1 ? '' : 's'}`}
          variant={alerts.some((a) => a.severity === 'alert') ? 'danger' : 'warning'}
        >
          {alerts
            .slice(0, 5)
            .map((a) => a.message)
            .join(' ')}
        </Alert>
      ) : null}
      <Text>
        {result.model
          ? `Published model v${result.model.version} (${result.model.modelType}), trained ${result.model.trainedAt}${result.model.auc !== null ? `, AUC ${result.model.auc.toFixed(3)}` : ''}.`
          : 'No model is published yet: thresholds apply once the first model scores your records.'}
      </Text>
      {result.modelWarning ? (
        <Alert
          testId="model-warning"
          title={`Model v${result.modelWarning.version} has no usable signal`}
          variant="danger"
        >
          {`${result.modelWarning.message} ${result.modelWarning.published ? 'It was published anyway.' : 'It was not published; the previous model keeps scoring.'}`}
        </Alert>
      ) : null}
      {(result.objectStages ?? [])
        .filter((st) => st.missingScopes.length > 0 || (st.stage === 'members' && st.permission))
        .map((st) => (
          <Alert
            key={st.stage}
            testId={`${st.stage}-skipped`}
            title={`${{ deals: 'Deal scores', accounts: 'Account scores', members: 'Scores on Contacts created on Accounts' }[st.stage]} skipped: missing permission`}
            variant="warning"
          >
            {st.skipped ?? ''}
          </Alert>
        ))}
      <Heading>Tiers</Heading>
      <TierEditor tiers={draft.tiers} errors={errors} onChange={(tiers) => patch({ tiers })} />
      {result.stats.length > 0 ? <TierStatsTable stats={result.stats} /> : null}
      {result.writeFailures && result.writeFailures.total > 0 ? (
        <Alert title="Some records could not be written" variant="warning">
          {`HubSpot refused ${result.writeFailures.total} record${result.writeFailures.total === 1 ? '' : 's'}; LeadLens will not retry until they change. `}
          {result.writeFailures.recent
            .map((f) => `${f.objectType} ${f.id}: ${f.code} (${f.message})`)
            .join('; ')}
        </Alert>
      ) : null}
      <Heading>Suggested thresholds</Heading>
      <Flex direction="row" gap="sm" wrap>
        {(['capacity', 'expected_value', 'economics', 'precision'] as const).map((method) => (
          <SuggestionPanel
            key={method}
            method={method}
            tierCount={draft.tiers.length}
            serverless={serverless}
            onApply={(tiers) => patch({ tiers })}
          />
        ))}
      </Flex>
      <Heading>Your deal economics</Heading>
      <Flex direction="row" gap="sm">
        {ECONOMICS_INPUTS.map(({ key, name }) => (
          <NumberInput
            key={name}
            label={INPUT_FIELDS[key].label}
            name={name}
            min={INPUT_FIELDS[key].min}
            value={draft.economics?.[key]}
            // Both are required once either is set; the other starts at 1 until the admin sets it.
            onChange={(v) =>
              patch({
                economics: {
                  leadsPerWeek: draft.economics?.leadsPerWeek ?? 1,
                  costPerLead: draft.economics?.costPerLead ?? 1,
                  [key]: v,
                },
              })
            }
          />
        ))}
      </Flex>
      <Text variant="microcopy">
        With both set, the model report prices each tier with your synced won deals.
      </Text>
      <Divider />
      <Heading>Segments</Heading>
      <SegmentEditor
        settings={draft}
        errors={errors}
        onChange={(segments) => patch({ segments })}
      />
      <Divider />
      <Heading>What counts as converted</Heading>
      <Flex direction="row" gap="sm">
        <Select
          label="Conversion"
          name="conversion-kind"
          value={draft.conversion.kind}
          options={CONVERSIONS}
          onChange={(v) =>
            patch({
              conversion: { ...draft.conversion, kind: v as Settings['conversion']['kind'] },
            })
          }
        />
        <NumberInput
          label="Within (days)"
          name="horizon-days"
          min={7}
          max={730}
          value={draft.conversion.horizonDays}
          onChange={(v) => patch({ conversion: { ...draft.conversion, horizonDays: v } })}
          error={otherError('conversion') !== undefined}
          validationMessage={otherError('conversion')}
        />
      </Flex>
      <Heading>Features</Heading>
      <Input
        label="Extra contact properties to use (internal names, comma-separated)"
        name="features-include"
        value={draft.features.include.join(', ')}
        onChange={(v) => patch({ features: { ...draft.features, include: parsePropertyList(v) } })}
        error={otherError('features') !== undefined}
        validationMessage={otherError('features')}
      />
      <Input
        label="Properties never to use (e.g. ones sales fills in after the first call)"
        name="features-exclude"
        value={draft.features.exclude.join(', ')}
        onChange={(v) => patch({ features: { ...draft.features, exclude: parsePropertyList(v) } })}
      />
      <Heading>Model and retraining</Heading>
      <Flex direction="row" gap="sm">
        <Select
          label="Model"
          name="model"
          value={draft.model}
          options={MODELS}
          onChange={(v) => patch({ model: v as Settings['model'] })}
        />
        <NumberInput
          label="Retrain every (days)"
          name="retrain-days"
          min={1}
          max={90}
          value={draft.retrainCadenceDays}
          onChange={(v) => patch({ retrainCadenceDays: v })}
          error={otherError('cadence') !== undefined}
          validationMessage={otherError('cadence')}
        />
        <NumberInput
          label="Flag a score jump of at least (points)"
          name="score-jump"
          min={1}
          max={100}
          value={draft.scoreJumpPoints}
          onChange={(v) => patch({ scoreJumpPoints: v })}
          error={otherError('scoreJump') !== undefined}
          validationMessage={otherError('scoreJump')}
        />
      </Flex>
      <Toggle
        label="Shadow mode: a new model scores into LeadLens only; the CRM keeps the published scores"
        name="shadow-mode"
        checked={draft.shadowMode}
        onChange={(checked) => patch({ shadowMode: checked })}
      />
      <Button variant="primary" disabled={saving || errors.length > 0} onClick={() => void save()}>
        {saving ? 'Saving…' : 'Save settings'}
      </Button>
      {notice ? (
        <Alert title={notice.title} variant={notice.variant}>
          {notice.text}
        </Alert>
      ) : null}
      <Divider />
      <Heading>Model report</Heading>
      <ModelCharts serverless={serverless} />
      <Divider />
      <Heading>Monitoring</Heading>
      <GovernanceCharts serverless={serverless} />
    </Flex>
  );
}
