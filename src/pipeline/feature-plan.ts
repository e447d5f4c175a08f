/**
 * Which contact properties become features in this portal. HubSpot's own scoring ignores custom
 * properties; LeadLens does the opposite: every custom contact property of a usable type is a
 * candidate by default (the leakage checks then drop those only set after conversion), the
 * admin's `include` adds any other property and `exclude` removes anything.
 */
import type { CrmPropertyMeta } from '../crm/port';
import type { Settings } from '../contracts/settings';
import { isLeadLensProperty } from '../contracts/properties';
import { readPlan, specFromProperties, type FeatureSpec } from '../features';

export interface FeaturePlan {
  spec: FeatureSpec;
  /** Properties read on every contact. */
  read: string[];
  /** Properties read with history (point-in-time features and labels). */
  history: string[];
}

export function planFeatureProperties(
  meta: readonly CrmPropertyMeta[],
  settings: Settings,
): FeaturePlan {
  const custom = meta
    .filter((m) => !m.crmDefined && !m.readOnly && !isLeadLensProperty(m.name))
    .map((m) => m.name);
  const include = [...new Set([...settings.features.include, ...custom])];
  const spec = specFromProperties(meta, include, settings.features.exclude);
  const { read, history } = readPlan(spec);
  return { spec, read, history };
}
