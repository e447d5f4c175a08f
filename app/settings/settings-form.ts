/**
 * Live validation for the settings page. The page may not import runtime code from src/, so
 * this mirrors src/contracts/settings.ts (TiersSchema, SettingsSchema) rule for rule; the
 * server's zod schemas stay the authority and their message is shown if they disagree.
 */
import type { Settings, Tier, TierValue } from '../../src/contracts/settings';

const TIER_VALUES: readonly TierValue[] = ['tier_1', 'tier_2', 'tier_3', 'tier_4', 'tier_5'];
export const MIN_TIERS = 2;
export const MAX_TIERS = 5;
const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;

export interface FieldError {
  /** Tier index, or null for errors about the whole list / another section. */
  tier: number | null;
  field:
    | 'label'
    | 'minScore'
    | 'tiers'
    | 'conversion'
    | 'features'
    | 'cadence'
    | 'scoreJump'
    | 'segment';
  message: string;
}

export function validateTiers(tiers: readonly Tier[]): FieldError[] {
  const errors: FieldError[] = [];
  if (tiers.length < MIN_TIERS) {
    errors.push({ tier: null, field: 'tiers', message: 'Use at least 2 tiers.' });
  }
  if (tiers.length > MAX_TIERS) {
    errors.push({ tier: null, field: 'tiers', message: 'Use at most 5 tiers.' });
  }
  tiers.forEach((t, i) => {
    const label = t.label.trim();
    if (label.length === 0) {
      errors.push({ tier: i, field: 'label', message: `Tier ${i + 1} needs a name.` });
    } else if (label.length > 40) {
      errors.push({
        tier: i,
        field: 'label',
        message: `Tier ${i + 1}: keep the name to 40 characters.`,
      });
    }
    if (!Number.isFinite(t.minScore) || t.minScore < 0 || t.minScore > 100) {
      errors.push({
        tier: i,
        field: 'minScore',
        message: `Tier ${i + 1}: the threshold must be between 0 and 100.`,
      });
    } else if (i > 0 && !(t.minScore < tiers[i - 1].minScore)) {
      errors.push({
        tier: i,
        field: 'minScore',
        message: `Thresholds must strictly decrease: tier ${i + 1} (${t.minScore}) must be below tier ${i} (${tiers[i - 1].minScore}).`,
      });
    }
  });
  const last = tiers[tiers.length - 1];
  if (last && last.minScore !== 0) {
    errors.push({
      tier: tiers.length - 1,
      field: 'minScore',
      message: 'The last tier must start at 0 so every score has a tier.',
    });
  }
  const labels = new Set(tiers.map((t) => t.label.trim().toLowerCase()));
  if (labels.size !== tiers.length) {
    errors.push({ tier: null, field: 'tiers', message: 'Tier names must be unique.' });
  }
  return errors;
}

export function validateSettings(s: Settings): FieldError[] {
  const errors = validateTiers(s.tiers);
  const h = s.conversion.horizonDays;
  if (!Number.isInteger(h) || h < 7 || h > 730) {
    errors.push({
      tier: null,
      field: 'conversion',
      message: 'The conversion window must be 7 to 730 whole days.',
    });
  }
  const bad = [...s.features.include, ...s.features.exclude].filter((p) => !PROPERTY_NAME.test(p));
  if (bad.length > 0) {
    errors.push({
      tier: null,
      field: 'features',
      message: `Not a HubSpot property name: ${bad.join(', ')} (use internal names like lead_source_detail).`,
    });
  }
  if (
    !Number.isInteger(s.retrainCadenceDays) ||
    s.retrainCadenceDays < 1 ||
    s.retrainCadenceDays > 90
  ) {
    errors.push({ tier: null, field: 'cadence', message: 'Retrain every 1 to 90 days.' });
  }
  if (!Number.isInteger(s.scoreJumpPoints) || s.scoreJumpPoints < 1 || s.scoreJumpPoints > 100) {
    errors.push({ tier: null, field: 'scoreJump', message: 'A score jump is 1 to 100 points.' });
  }
  errors.push(...validateSegments(s));
  const e = s.economics;
  if (e && (!Number.isInteger(e.leadsPerWeek) || e.leadsPerWeek < 1 || !(e.costPerLead > 0))) {
    errors.push({
      tier: null,
      field: 'segment',
      message: 'Deal economics: a whole number of leads a week (at least 1) and a positive cost.',
    });
  }
  return errors;
}

const SEGMENT_KEY = /^[a-z][a-z0-9_]{0,39}$/;

/** The server's segment rules (src/contracts/settings.ts), as the admin types; `tier` = segment index. */
export function validateSegments(s: Settings): FieldError[] {
  const errors: FieldError[] = [];
  const segs = s.segments?.list ?? [];
  const keys = new Set<string>();
  segs.forEach((g, i) => {
    const err = (message: string) => errors.push({ tier: i, field: 'segment', message });
    if (!SEGMENT_KEY.test(g.key)) err('Use a key of lower-case letters, digits and _.');
    else if (keys.has(g.key)) err(`The key "${g.key}" is used twice.`);
    keys.add(g.key);
    if (!g.label.trim()) err('Give the segment a name.');
    if (!PROPERTY_NAME.test(g.property)) err(`Not a property name: ${g.property || '(empty)'}.`);
    if (g.values.length === 0) err('List at least one value of the property.');
    const m = g.minScores;
    if (m) {
      if (m.length !== s.tiers.length)
        err(`Give ${s.tiers.length} thresholds (one per tier), or none.`);
      else if (m.some((v, j) => j > 0 && !(v < m[j - 1]!)) || m[m.length - 1] !== 0)
        err('Thresholds must decrease, best tier first, down to 0.');
    }
  });
  return errors;
}

/** "60, 30, 10, 0" → [60, 30, 10, 0]; empty → undefined (the global thresholds). */
export function parseThresholds(text: string): number[] | undefined {
  const parts = text
    .split(/[\s,;]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
  return parts.length ? parts.map(Number) : undefined;
}

/** "A, b c" → ['A', 'b', 'c']: property values keep their case (enumeration values are exact). */
export function parseValueList(text: string): string[] {
  return text
    .split(/[,;]+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Tier values are positional (tier_1 is the best); renumber after adding or removing. */
function renumber(tiers: readonly Tier[]): Tier[] {
  return tiers.map((t, i) => ({ ...t, value: TIER_VALUES[i] ?? t.value }));
}

/** Adds a tier below the last one, splitting the last tier's range; the new last starts at 0. */
export function addTier(tiers: readonly Tier[]): Tier[] {
  if (tiers.length >= MAX_TIERS) return [...tiers];
  const prev = tiers.length > 1 ? tiers[tiers.length - 2].minScore : 100;
  const split = Math.max(1, Math.floor(prev / 2));
  const withSplit = tiers.map((t, i) => (i === tiers.length - 1 ? { ...t, minScore: split } : t));
  return renumber([
    ...withSplit,
    { value: 'tier_5', label: `Tier ${tiers.length + 1}`, minScore: 0 },
  ]);
}

export function removeLastTier(tiers: readonly Tier[]): Tier[] {
  if (tiers.length <= MIN_TIERS) return [...tiers];
  const kept = tiers.slice(0, -1);
  return renumber(kept.map((t, i) => (i === kept.length - 1 ? { ...t, minScore: 0 } : t)));
}

/** "a, b c" → ['a', 'b', 'c'] (lower-cased; validation reports anything still invalid). */
export function parsePropertyList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p.length > 0);
}

export function percent(x: number | null): string {
  return x === null ? '—' : `${(x * 100).toFixed(1)}%`;
}
