/**
 * Salesforce shapes → CRM-neutral records. A Lead becomes the pipeline's scored prospect
 * (objectType 'contact'); field names are lower-cased (SOQL names are case-insensitive, and the
 * settings' feature names are lower-case). Values become strings as CRMs send them: booleans
 * 'true'/'false', date-times ISO with `Z`, dates `YYYY-MM-DD`.
 *
 * History, point in time: a field with LeadHistory rows is rebuilt from them (its first
 * OldValue from creation on); a field without any is taken as it is now, from creation on (an
 * untracked field has no history to read — the same assumption Einstein makes). Activity
 * aggregates are counters whose versions are the moments each Task, Event or campaign response
 * happened, so a snapshot at asOf counts only activity before it.
 */
import type { CrmRecord, DealOutcome, PropertyVersion } from '../../contracts/records';
import { isLeadLensProperty } from '../../contracts/properties';
import type { CrmPropertyMeta } from '../port';

export interface SfField {
  name: string;
  label: string;
  type: string;
  custom: boolean;
  updateable: boolean;
  calculated: boolean;
  picklistValues?: Array<{ value: string; label: string; active: boolean }>;
}

export type SfRecord = Record<string, unknown> & { Id?: string };

export interface HistoryRow {
  LeadId: string;
  Field: string;
  OldValue: unknown;
  NewValue: unknown;
  CreatedDate: string;
}

/** Activity aggregates LeadLens computes from Task, Event and CampaignMember. */
export const ACTIVITY_PROPERTIES: readonly CrmPropertyMeta[] = [
  ['activity_calls', 'Calls logged'],
  ['activity_emails', 'E-mails logged'],
  ['activity_tasks', 'Tasks logged'],
  ['activity_meetings', 'Meetings held'],
  ['campaign_responses', 'Campaign responses'],
].map(([name, label]) => ({
  name,
  label,
  type: 'number',
  fieldType: 'number',
  crmDefined: true,
  readOnly: true,
}));
export const ACTIVITY_NAMES = new Set(ACTIVITY_PROPERTIES.map((p) => p.name));

export function toPropertyMeta(f: SfField): CrmPropertyMeta {
  const base = {
    name: f.name.toLowerCase(),
    label: f.label,
    crmDefined: !f.custom,
    readOnly: !f.updateable || f.calculated,
  };
  switch (f.type) {
    case 'picklist':
      return {
        ...base,
        type: 'enumeration',
        fieldType: 'select',
        options: (f.picklistValues ?? [])
          .filter((o) => o.active)
          .map((o) => ({ value: o.value, label: o.label })),
      };
    case 'multipicklist':
      return { ...base, type: 'enumeration', fieldType: 'checkbox' };
    case 'boolean':
      return { ...base, type: 'bool', fieldType: 'booleancheckbox' };
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return { ...base, type: 'number', fieldType: 'number' };
    case 'date':
      return { ...base, type: 'date', fieldType: 'date' };
    case 'datetime':
      return { ...base, type: 'datetime', fieldType: 'date' };
    default:
      return { ...base, type: 'string', fieldType: f.type === 'textarea' ? 'textarea' : 'text' };
  }
}

/** Salesforce's `2013-05-20T20:49:32.000+0000` → ISO with `Z`; other values as strings. */
export function toStringValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2}):?(\d{2})$/.exec(v);
    if (m) return new Date(Date.parse(`${m[1]}${m[2]}:${m[3]}`)).toISOString();
    return v;
  }
  return String(v);
}

export const isoOf = (v: unknown): string => toStringValue(v) ?? new Date(0).toISOString();

/** A date (`YYYY-MM-DD`) as the moment the day ends: an event of that day is surely past then. */
export const endOfDay = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000 - 1).toISOString();

export interface Activity {
  calls: string[];
  emails: string[];
  tasks: string[];
  meetings: string[];
  responses: string[];
}

export const emptyActivity = (): Activity => ({
  calls: [],
  emails: [],
  tasks: [],
  meetings: [],
  responses: [],
});

export function addTask(a: Activity, t: Record<string, unknown>): void {
  const at = isoOf(t.CreatedDate);
  a.tasks.push(at);
  if (t.TaskSubtype === 'Call') a.calls.push(at);
  if (t.TaskSubtype === 'Email') a.emails.push(at);
}
export function addEvent(a: Activity, e: Record<string, unknown>): void {
  if (e.ActivityDateTime) a.meetings.push(isoOf(e.ActivityDateTime));
}
export function addResponse(a: Activity, m: Record<string, unknown>): void {
  if (typeof m.FirstRespondedDate === 'string') a.responses.push(endOfDay(m.FirstRespondedDate));
}

function counter(createdAt: string, times: string[]): PropertyVersion[] {
  const sorted = [...times].sort();
  const out: PropertyVersion[] = [{ value: '0', timestamp: createdAt }];
  sorted.forEach((t, i) =>
    out.push({ value: String(i + 1), timestamp: t < createdAt ? createdAt : t }),
  );
  return out;
}

/**
 * One Lead as a CrmRecord. `fields` maps the asked lower-case names to Salesforce's names.
 */
export function toLeadRecord(
  lead: SfRecord,
  fields: ReadonlyMap<string, string>,
  history: readonly HistoryRow[],
  activity: Activity,
  asked: readonly string[],
): CrmRecord {
  const createdAt = isoOf(lead.CreatedDate);
  const updatedAt = isoOf(lead.SystemModstamp ?? lead.LastModifiedDate ?? lead.CreatedDate);
  const properties: Record<string, string | null> = {};
  const hist: Record<string, PropertyVersion[]> = {};
  const byField = new Map<string, HistoryRow[]>();
  for (const h of history) {
    const k = h.Field.toLowerCase();
    const list = byField.get(k);
    if (list) list.push(h);
    else byField.set(k, [h]);
  }
  for (const name of asked) {
    if (ACTIVITY_NAMES.has(name)) continue;
    const sf = fields.get(name);
    if (!sf) continue;
    const value =
      name === 'createdate'
        ? createdAt
        : name === 'lastmodifieddate'
          ? updatedAt
          : toStringValue(lead[sf]);
    properties[name] = value;
    const rows = byField.get(name);
    if (rows?.length) {
      const sorted = [...rows].sort((a, b) =>
        isoOf(a.CreatedDate).localeCompare(isoOf(b.CreatedDate)),
      );
      const versions: PropertyVersion[] = [
        { value: toStringValue(sorted[0].OldValue), timestamp: createdAt },
      ];
      for (const r of sorted)
        versions.push({ value: toStringValue(r.NewValue), timestamp: isoOf(r.CreatedDate) });
      hist[name] = versions;
    } else {
      hist[name] = [{ value, timestamp: createdAt }];
    }
  }
  const counters: Array<[string, string[]]> = [
    ['activity_calls', activity.calls],
    ['activity_emails', activity.emails],
    ['activity_tasks', activity.tasks],
    ['activity_meetings', activity.meetings],
    ['campaign_responses', activity.responses],
  ];
  for (const [name, times] of counters) {
    if (!asked.includes(name)) continue;
    // A meeting scheduled for later has not happened: the current count is what is past.
    const versions = counter(createdAt, times);
    hist[name] = versions;
    const past = versions.filter((v) => Date.parse(v.timestamp) <= Date.now());
    properties[name] = past[past.length - 1]?.value ?? '0';
  }
  return {
    id: String(lead.Id),
    objectType: 'contact',
    createdAt,
    updatedAt,
    properties,
    history: hist,
    associations: {},
  };
}

/**
 * Stage over time from OpportunityFieldHistory rows (oldest first): the stage at creation is the
 * first change's old value (or the current stage when it never changed).
 */
export function stageHistoryOf(
  createdAt: string,
  current: string | null,
  rows: ReadonlyArray<Record<string, unknown>>,
): Array<{ at: string; stage: string }> {
  const first = rows.length > 0 ? toStringValue(rows[0].OldValue) : current;
  const out = first ? [{ at: createdAt, stage: first }] : [];
  for (const r of rows) {
    const stage = toStringValue(r.NewValue);
    if (stage) out.push({ at: isoOf(r.CreatedDate), stage });
  }
  return out;
}

export function toDealOutcome(lead: SfRecord): DealOutcome | null {
  const opp = lead.ConvertedOpportunity as SfRecord | null | undefined;
  if (!opp || typeof lead.ConvertedOpportunityId !== 'string') return null;
  const isClosed = opp.IsClosed === true;
  return {
    id: lead.ConvertedOpportunityId,
    createdAt: isoOf(opp.CreatedDate),
    // CloseDate is a date: the deal counts as closed once that day is over.
    closedAt: isClosed && typeof opp.CloseDate === 'string' ? endOfDay(opp.CloseDate) : null,
    isClosed,
    isWon: opp.IsWon === true,
    amount: typeof opp.Amount === 'number' ? opp.Amount : null,
    contactIds: [String(lead.Id)],
  };
}

export const isOurs = (name: string) => isLeadLensProperty(name) || /^leadlens_.*__c$/.test(name);
