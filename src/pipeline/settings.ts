/**
 * The settings function: get, save (re-tier without retraining), suggest thresholds, preview.
 */
import { parseExpression } from 'cron-parser';
import { LeadLensError } from '../contracts/errors';
import type {
  EconomicsView,
  ModelSummary,
  ModelWarning,
  SettingsRequest,
  SettingsResult,
  WriteFailuresSummary,
} from '../contracts/functions';
import { parseFactors } from '../contracts/factors';
import {
  tierFor,
  tiersForSegment,
  type Schedule,
  type Segments,
  type Settings,
  type Tier,
} from '../contracts/settings';
import type { ScoreRow } from '../store/port';
import type { PipelineDeps } from './deps';
import { readReport } from './report';
import {
  scoreAtTopShare,
  suggestTiers,
  tierStats,
  type DealEconomics,
  type TierInputs,
} from './tiers';
import { economicsView } from './economics';
import { economicsDeals } from './economics-deals';
import { allRecords } from './records';
import { governanceStatus } from './governance/card';
import { modelCharts } from './charts';
import { governanceCharts } from './charts-governance';
import { objectStageStatus } from './objects/stage-skip';

export async function settingsAction(
  deps: PipelineDeps,
  req: SettingsRequest,
): Promise<SettingsResult> {
  const { store } = deps;
  switch (req.action) {
    case 'get':
      return {
        settings: await store.getSettings(),
        model: await modelSummary(deps),
        modelWarning: await modelWarning(deps),
        stats: await stats(deps),
        alerts: (await governanceStatus(store)).alerts,
        writeFailures: await writeFailures(deps),
        objectStages: await objectStageStatus(store),
      };
    case 'preview':
      return {
        settings: await store.getSettings(),
        model: await modelSummary(deps),
        modelWarning: await modelWarning(deps),
        stats: tierStats(req.tiers, await tierInputs(deps)),
      };
    case 'charts': {
      let charts = null;
      try {
        charts = await modelCharts(store, req.version);
      } catch (e) {
        // No model yet is an answer the page shows; an unknown version asked for is an error.
        if (!(req.version === undefined && e instanceof LeadLensError && e.code === 'NO_MODEL'))
          throw e;
      }
      return {
        settings: await store.getSettings(),
        model: await modelSummary(deps),
        stats: await stats(deps),
        charts,
      };
    }
    case 'governanceCharts':
      return {
        settings: await store.getSettings(),
        model: await modelSummary(deps),
        stats: await stats(deps),
        governanceCharts: await governanceCharts(store),
      };
    case 'suggest': {
      const current = await store.getSettings();
      const suggestion = suggestTiers(
        req.request,
        await tierInputs(deps),
        current.tiers.map((t) => t.label),
        req.request.method === 'economics' ? await dealEconomics(deps) : null,
      );
      return {
        settings: current,
        model: await modelSummary(deps),
        modelWarning: await modelWarning(deps),
        stats: await stats(deps),
        suggestion,
      };
    }
    case 'save': {
      checkSchedule(req.settings.schedule);
      checkSegmentTiers(req.settings);
      const before = await store.getSettings();
      const at = new Date(deps.now()).toISOString();
      await store.saveSettings(req.settings, at);
      const labelsChanged =
        JSON.stringify(before.tiers.map((t) => [t.value, t.label])) !==
        JSON.stringify(req.settings.tiers.map((t) => [t.value, t.label]));
      // The enumeration's options follow the tiers; only touch the CRM when they changed.
      if (labelsChanged) await deps.crm.provision(req.settings.tiers);
      const retiered = await retier(deps, req.settings.tiers, req.settings.segments);
      return {
        settings: req.settings,
        model: await modelSummary(deps),
        modelWarning: await modelWarning(deps),
        stats: await stats(deps),
        retiered,
      };
    }
  }
}

/** What the settings page shows of write failures: how many, and the newest five. */
export async function writeFailures(deps: PipelineDeps): Promise<WriteFailuresSummary> {
  const { total, rows } = await deps.store.listWriteFailures({ limit: 5 });
  return {
    total,
    recent: rows.map((f) => ({
      objectType: f.objectType,
      id: f.id,
      code: f.code,
      message: f.message,
    })),
  };
}

/** A segment's own thresholds must be one per tier (the schema cannot see both lists). */
export function checkSegmentTiers(settings: Settings): void {
  for (const seg of settings.segments.list) {
    if (seg.minScores && seg.minScores.length !== settings.tiers.length) {
      throw new LeadLensError(
        'INPUT_INVALID',
        `Segment "${seg.key}" has ${seg.minScores.length} tier thresholds; there are ${settings.tiers.length} tiers.`,
        {
          hint: 'Give one threshold per tier (best first, the last 0), or none to use the global ones.',
        },
      );
    }
  }
}

/** The schema checks the cron's shape; this checks that it and the time zone mean something. */
function checkSchedule(schedule: Schedule): void {
  try {
    parseExpression(schedule.cron, { tz: schedule.timezone }).next();
  } catch (e) {
    throw new LeadLensError(
      'INPUT_INVALID',
      `The schedule "${schedule.cron}" (${schedule.timezone}) cannot be read: ${e instanceof Error ? e.message : String(e)}.`,
      {
        hint: 'Use five cron fields, e.g. "0 * * * *" (hourly) or "30 6 * * 1-5" (06:30 on weekdays), and an IANA time zone such as "Europe/Berlin".',
      },
    );
  }
}

/** New tiers on every stored score, no retraining; write-back then sends only changed tiers. */
export async function retier(
  deps: PipelineDeps,
  tiers: readonly Tier[],
  segments?: Segments,
): Promise<number> {
  let changed = 0;
  for (const objectType of ['contact', 'lead'] as const) {
    let after: string | null = null;
    for (;;) {
      const rows = await deps.store.listScores(objectType, { afterId: after, limit: 1000 });
      if (rows.length === 0) break;
      const updated: ScoreRow[] = [];
      for (const r of rows) {
        // A record keeps the segment it was scored in (its payload) until it is scored again.
        const segment = segments?.list.length ? parseFactors(r.factors)?.segment : undefined;
        const tier = tierFor(r.score, tiersForSegment(tiers, segments, segment)).value;
        if (tier !== r.tier) updated.push({ ...r, tier });
      }
      if (updated.length) await deps.store.putScores(updated);
      changed += updated.length;
      after = rows[rows.length - 1].id;
    }
  }
  return changed;
}

async function allOpenScores(deps: PipelineDeps): Promise<number[]> {
  const out: number[] = [];
  let after: string | null = null;
  for (;;) {
    const rows = await deps.store.listScores('contact', { afterId: after, limit: 5000 });
    if (rows.length === 0) return out;
    for (const r of rows) out.push(r.score);
    after = rows[rows.length - 1].id;
  }
}

export async function tierInputs(deps: PipelineDeps): Promise<TierInputs> {
  const published = await deps.store.getPublishedModel();
  const report = published ? readReport(published) : null;
  return {
    openScores: await allOpenScores(deps),
    heldOut: report?.heldOut ?? null,
    weeklyInflow: report?.weeklyInflow ?? null,
  };
}

/** The published model's held-out leads (with their asOf) and the synced deals that price them. */
export async function dealEconomics(deps: PipelineDeps): Promise<DealEconomics | null> {
  const published = await deps.store.getPublishedModel();
  const report = published ? readReport(published) : null;
  const h = report?.heldOut;
  if (!report || !h?.asOf || h.asOf.length !== h.ids.length) return null;
  return {
    heldOut: { ids: h.ids, scores: h.scores, asOf: h.asOf },
    // The deal stage's mirror adds what the contact sync cannot see (economics-deals.ts).
    deals: economicsDeals(await deps.store.listDeals(), await allRecords(deps.store, 'deal')),
    horizonDays: report.conversion.horizonDays,
  };
}

/**
 * The current tiers priced by the synced deals, for the report: null until the admin has set
 * capacity and cost per lead (settings `economics`) or without held-out history to price.
 */
export async function currentEconomics(deps: PipelineDeps): Promise<EconomicsView | null> {
  const settings = await deps.store.getSettings();
  if (!settings.economics) return null;
  const deals = await dealEconomics(deps);
  if (!deals) return null;
  const inputs = await tierInputs(deps);
  const pool = inputs.weeklyInflow ?? inputs.openScores.length;
  const share = Math.min(1, settings.economics.leadsPerWeek / Math.max(1, pool));
  return economicsView(
    settings.tiers,
    { ...deals, openScores: inputs.openScores, weeklyInflow: inputs.weeklyInflow },
    settings.economics,
    Math.round(scoreAtTopShare(inputs.openScores, share)),
  );
}

async function stats(deps: PipelineDeps) {
  return tierStats((await deps.store.getSettings()).tiers, await tierInputs(deps));
}

/** The newest version's verdict when it found no signal (whether or not it was published). */
export async function modelWarning(deps: PipelineDeps): Promise<ModelWarning | null> {
  const models = await deps.store.listModels();
  const latest = models.reduce<(typeof models)[number] | null>(
    (a, m) => (!a || m.version > a.version ? m : a),
    null,
  );
  const verdict = latest ? readReport(latest)?.verdict : undefined;
  if (!latest || !verdict || verdict.ok) return null;
  return {
    version: latest.version,
    code: verdict.code,
    message: verdict.message,
    published: verdict.published,
  };
}

export async function modelSummary(deps: PipelineDeps): Promise<ModelSummary | null> {
  const m = await deps.store.getPublishedModel();
  if (!m) return null;
  const report = readReport(m);
  return {
    version: m.version,
    modelType: m.modelType,
    trainedAt: m.trainedAt,
    auc: report?.metrics.auc ?? null,
    status: m.status,
  };
}
