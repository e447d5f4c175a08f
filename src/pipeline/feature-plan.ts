/**
 * Which contact properties become features in this portal. HubSpot's own scoring ignores custom
 * properties; LeadLens does the opposite: every custom contact property of a usable type is a
 * candidate by default (the leakage checks then drop those only set after conversion), the
 * admin's `include` adds any other property and `exclude` removes anything.
 *
 * Sync decides the plan from the portal's property metadata and keeps it as its own stored
 * record; train reads it from there. The fields a model was trained on then travel inside the
 * model's scoring envelope (scoring-model.ts), so scoring never needs this record.
 */
import { z } from 'zod';
import type { CrmPropertyMeta } from '../crm/port';
import { LeadLensError } from '../errors';
import type { Settings } from '../contracts/settings';
import { isLeadLensProperty } from '../contracts/properties';
import { readPlan, specFromProperties, type FeatureField, type FeatureSpec } from '../features';
import type { StoreOps } from '../store/port';
import { segmentProperties } from './segments/define';

export interface FeaturePlan {
  spec: FeatureSpec;
  /** Properties read on every contact. */
  read: string[];
  /** Properties read with history (point-in-time features and labels). */
  history: string[];
}

/** A feature field as stored (plan record, scoring envelope): with its source and value labels. */
export const FeatureFieldSchema = z.object({
  name: z.string(),
  label: z.string(),
  type: z.enum(['number', 'category', 'bool', 'date', 'multi']),
  source: z.enum(['property', 'engineered']),
  valueLabels: z.record(z.string(), z.string()).optional(),
}) satisfies z.ZodType<FeatureField>;

const SpecSchema = z.object({
  fields: z.array(FeatureFieldSchema),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
});

const StoredPlanSchema = z.object({
  v: z.literal(1),
  spec: SpecSchema,
  read: z.array(z.string()),
  history: z.array(z.string()),
});

export function planFeatureProperties(
  meta: readonly CrmPropertyMeta[],
  settings: Settings,
): FeaturePlan {
  const custom = meta
    .filter((m) => !m.crmDefined && !m.readOnly && !isLeadLensProperty(m.name))
    .map((m) => m.name);
  const include = [...new Set([...settings.features.include, ...custom])];
  const spec = withTypes(specFromProperties(meta, include, settings.features.exclude), settings);
  const { read, history } = readPlan(spec);
  // Segments may be defined by any property, a feature or not: read it with history too.
  for (const name of segmentProperties(settings.segments.list)) {
    if (!read.includes(name)) read.push(name);
    if (!history.includes(name)) history.push(name);
  }
  return { spec, read, history };
}

/** The admin's per-property types (settings `features.types`) over the CRM's own. */
export function withTypes(spec: FeatureSpec, settings: Settings): FeatureSpec {
  const types = settings.features.types ?? {};
  return {
    ...spec,
    fields: spec.fields.map((f) =>
      f.source === 'property' && types[f.name] ? { ...f, type: types[f.name]! } : f,
    ),
  };
}

export function saveFeaturePlan(store: StoreOps, plan: FeaturePlan, at: string): Promise<void> {
  return store.saveFeaturePlan(JSON.stringify({ v: 1, ...plan }), at);
}

/**
 * The plan the last sync decided. A store synced before the plan had a record of its own kept
 * the spec in sync's checkpoint: that one is read once, checked, and moved into the record.
 */
export async function featurePlanOf(store: StoreOps): Promise<FeaturePlan> {
  const stored = await store.getFeaturePlan();
  if (stored) {
    const parsed = StoredPlanSchema.safeParse(JSON.parse(stored.plan));
    if (!parsed.success) {
      throw new LeadLensError('STORE_ERROR', 'The stored feature plan is not valid.', {
        hint: 'Run `leadlens sync` again: it decides the plan anew.',
        details: { issues: parsed.error.issues.slice(0, 3).map((i) => i.message) },
      });
    }
    const { spec, read, history } = parsed.data;
    return { spec, read, history };
  }
  const sync = await store.getJob('sync');
  const legacy = SpecSchema.safeParse(sync?.state.spec);
  if (sync && legacy.success) {
    const { read, history } = readPlan(legacy.data);
    const plan = { spec: legacy.data, read, history };
    await saveFeaturePlan(store, plan, sync.updatedAt);
    return plan;
  }
  throw new LeadLensError('NOT_ENOUGH_DATA', 'No contacts have been synced yet.', {
    hint: 'Run `leadlens sync` (or the sync function) before training.',
  });
}
