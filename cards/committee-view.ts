/**
 * The buying committee a company card lists: its associated contacts (HubSpot's
 * `useAssociations` results) with their role, seniority and own LeadLens score, highest first.
 * Pure, and importing nothing of src/ (cards may import only types from src/contracts), so the
 * seniority of a title is read here with the same levels as the feature (features/engineered.ts
 * `seniority`); committee-view.test.ts checks both agree on the demo catalog's titles.
 */
import { tierTone, type TagVariant } from './card-view';

export interface AssociatedContact {
  toObjectId: number;
  properties: Record<string, string | null>;
}

export interface CommitteeMember {
  id: string;
  name: string;
  title: string | null;
  seniority: string;
  /** HubSpot's Buying role (hs_buying_role), as the portal labels it; null when not set. */
  role: string | null;
  score: number | null;
  tier: { label: string; variant: TagVariant } | null;
}

export interface CommitteeView {
  members: CommitteeMember[];
  scored: number;
  /** Members of director level and above. */
  senior: number;
}

/** The properties the card asks of each associated contact. */
export const COMMITTEE_PROPERTIES = [
  'firstname',
  'lastname',
  'email',
  'jobtitle',
  'hs_buying_role',
  'leadlens_score',
  'leadlens_tier',
];

const LEVELS: Array<[RegExp, string]> = [
  [/\b(intern|internship|student|trainee|apprentice|werkstudent)\b/i, 'Student / intern'],
  [/\b(vp|svp|evp|avp|vice[\s-]+president)\b/i, 'VP'],
  [/\b(ceo|cto|cfo|coo|cmo|cio|cro|cpo|ciso|chief|founder|co-?founder|owner|president|partner)\b/i, 'C-level'],
  [/\b(director|head\s+of|head)\b/i, 'Director'],
  [/\b(manager|mgr|lead|supervisor|team\s*lead)\b/i, 'Manager'],
]; // prettier-ignore

export function seniorityOfTitle(title: string | null): string {
  const t = title?.trim();
  if (!t) return 'Unknown';
  for (const [re, level] of LEVELS) if (re.test(t)) return level;
  return 'Individual contributor';
}

const SENIOR = new Set(['Director', 'VP', 'C-level']);

function nameOf(p: Record<string, string | null>, id: string): string {
  const name = [p.firstname, p.lastname].filter((s) => s && s.trim()).join(' ');
  return name || p.email || `Contact ${id}`;
}

/**
 * `raw` holds the contacts' values, `formatted` the same contacts with `leadlens_tier` and
 * `hs_buying_role` as labels (propertiesToFormat); matched by contact id.
 */
export function toCommitteeView(
  raw: readonly AssociatedContact[],
  formatted: readonly AssociatedContact[] = [],
): CommitteeView {
  const labels = new Map(formatted.map((c) => [c.toObjectId, c.properties]));
  const members = raw.map((c): CommitteeMember => {
    const id = String(c.toObjectId);
    const p = c.properties;
    const f = labels.get(c.toObjectId) ?? {};
    const n = p.leadlens_score == null || p.leadlens_score === '' ? NaN : Number(p.leadlens_score);
    const score = Number.isFinite(n) ? Math.round(n) : null;
    const tierValue = p.leadlens_tier ?? null;
    return {
      id,
      name: nameOf(p, id),
      title: p.jobtitle?.trim() || null,
      seniority: seniorityOfTitle(p.jobtitle ?? null),
      role: f.hs_buying_role ?? p.hs_buying_role ?? null,
      score,
      tier: tierValue
        ? {
            label: f.leadlens_tier ?? tierValue.replace(/^tier_(\d)$/, 'Tier $1'),
            variant: tierTone(tierValue).tag,
          }
        : null,
    };
  });
  // Highest score first; unscored members last, by name.
  members.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.name.localeCompare(b.name));
  return {
    members,
    scored: members.filter((m) => m.score !== null).length,
    senior: members.filter((m) => SENIOR.has(m.seniority)).length,
  };
}
