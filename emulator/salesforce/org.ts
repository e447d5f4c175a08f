/**
 * One emulated Salesforce org: schema, records, field history, field-level security, OAuth
 * clients and tokens, the rolling 24-hour API allowance and the org's clock.
 */
import { randomBytes } from 'node:crypto';
import {
  buildSchema,
  HISTORY_OF,
  makeField,
  reindex,
  type FieldDef,
  type FieldType,
  type SObjectDef,
} from './schema';
import { type DataSource, type Rec, type Value } from './soql/eval';

export const API_VERSION = '62.0';
const DAY = 86_400_000;

/** 18-character ids: 3-char key prefix, pod '5g', counter, and a fixed 3-char suffix. */
function makeId(prefix: string, n: number): string {
  return `${prefix}5g${n.toString(36).toUpperCase().padStart(10, '0')}AAA`;
}
export const ID_RE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface TokenInfo {
  kind: 'access' | 'refresh';
  expiresAt: number | null;
  revoked: boolean;
}

export class Org {
  readonly orgId = '00D5g000000LEADAA';
  readonly userId = '0055g000000INTGAA';
  schema = buildSchema();
  private data = new Map<string, Map<string, Rec>>();
  private counters = new Map<string, number>();
  tokens = new Map<string, TokenInfo>();
  clients: OAuthClient[] = [];
  /** Times of counted API calls (rolling 24 h). */
  private calls: number[] = [];
  dailyMax: number;
  clockOffsetMs = 0;
  /** Access tokens live this long (Salesforce: the session timeout, 2 h by default). */
  accessTtlMs: number;
  tokenRefreshes = 0;
  /** Told of every committed create and update (change events); unset while the demo is generated. */
  onChange:
    | ((
        object: string,
        id: string,
        type: 'CREATE' | 'UPDATE',
        changed: Record<string, Value>,
        at: number,
      ) => void)
    | null = null;

  /**
   * Objects the integration user's profile and permission sets grant no Read on (lower-cased).
   * For that user the object does not exist: absent from describeGlobal, describe and the
   * sObject routes answer 404 NOT_FOUND, SOQL answers INVALID_TYPE ("sObject type 'X' is not
   * supported."), and a relationship into it is not understood (INVALID_FIELD). The generator
   * still writes it (the org's data is there; the user cannot see it).
   */
  deniedObjects = new Set<string>();

  constructor(opts: { dailyMax: number; accessTtlMs: number }) {
    this.dailyMax = opts.dailyMax;
    this.accessTtlMs = opts.accessTtlMs;
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  // ---- API usage -------------------------------------------------------------------------

  used(): number {
    const cutoff = this.now() - DAY;
    let i = 0;
    while (i < this.calls.length && this.calls[i] <= cutoff) i++;
    if (i > 0) this.calls.splice(0, i);
    return this.calls.length;
  }

  countCall(): void {
    this.calls.push(this.now());
  }

  setUsage(used: number): void {
    const t = this.now();
    this.calls = new Array<number>(used).fill(t);
  }

  // ---- tokens ----------------------------------------------------------------------------

  issueAccessToken(): string {
    const token = `${this.orgId}!${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, {
      kind: 'access',
      expiresAt: this.accessTtlMs > 0 ? this.now() + this.accessTtlMs : null,
      revoked: false,
    });
    return token;
  }

  addToken(token: string, kind: 'access' | 'refresh'): void {
    this.tokens.set(token, { kind, expiresAt: null, revoked: false });
  }

  validAccess(token: string): boolean {
    const t = this.tokens.get(token);
    return (
      !!t && t.kind === 'access' && !t.revoked && (t.expiresAt === null || t.expiresAt > this.now())
    );
  }

  validRefresh(token: string): boolean {
    const t = this.tokens.get(token);
    return !!t && t.kind === 'refresh' && !t.revoked;
  }

  /** Every access token stops working now (a session timeout or an admin's "revoke"). */
  expireAccessTokens(): number {
    let n = 0;
    for (const t of this.tokens.values())
      if (t.kind === 'access' && !t.revoked) {
        t.revoked = true;
        n++;
      }
    return n;
  }

  // ---- records ---------------------------------------------------------------------------

  object(name: string): SObjectDef | undefined {
    return this.schema.get(name.toLowerCase());
  }

  /** An object as the integration user sees it through the API: none without object access. */
  apiObject(name: string): SObjectDef | undefined {
    return this.deniedObjects.has(name.toLowerCase()) ? undefined : this.object(name);
  }

  table(object: string): Map<string, Rec> {
    const key = object.toLowerCase();
    let t = this.data.get(key);
    if (!t) {
      t = new Map();
      this.data.set(key, t);
    }
    return t;
  }

  get(object: string, id: string): Rec | undefined {
    return this.table(object).get(id);
  }

  newId(object: string): string {
    const def = this.object(object);
    if (!def) throw new Error(`no object ${object}`);
    const n = (this.counters.get(def.keyPrefix) ?? 0) + 1;
    this.counters.set(def.keyPrefix, n);
    return makeId(def.keyPrefix, n);
  }

  /** Inserts a record as it was at `at` (the generator and the API both go through here). */
  insert(object: string, values: Record<string, Value>, at: number = this.now()): Rec {
    const def = this.object(object);
    if (!def) throw new Error(`no object ${object}`);
    const rec: Rec = {};
    for (const f of def.fields) rec[f.name] = f.type === 'boolean' ? false : null;
    Object.assign(rec, values);
    rec.Id ??= this.newId(object);
    rec.IsDeleted ??= false;
    if (def.byName.has('createddate')) {
      rec.CreatedDate ??= at;
      rec.LastModifiedDate ??= at;
      rec.SystemModstamp ??= at;
      rec.CreatedById ??= this.userId;
    }
    this.table(object).set(String(rec.Id), rec);
    this.onChange?.(def.name, String(rec.Id), 'CREATE', { ...rec }, at);
    return rec;
  }

  /**
   * Sets fields on a record at `at`, writing a history row for each tracked field whose value
   * changed, as field history tracking does.
   */
  update(object: string, id: string, values: Record<string, Value>, at: number = this.now()): Rec {
    const def = this.object(object);
    const rec = this.get(object, id);
    if (!def || !rec) throw new Error(`no ${object} ${id}`);
    const tracked = HISTORY_OF[def.name];
    const changed: Record<string, Value> = {};
    for (const [name, v] of Object.entries(values)) {
      const f = def.byName.get(name.toLowerCase());
      if (!f) continue;
      const old = rec[f.name] ?? null;
      if (old !== v) changed[f.name] = v;
      if (tracked?.fields.includes(f.name) && old !== v) {
        this.insert(
          tracked.object,
          {
            [tracked.parentField]: id,
            Field: f.name,
            DataType: f.type === 'picklist' ? 'DynamicEnum' : 'Text',
            OldValue: old === null ? null : String(old),
            NewValue: v === null ? null : String(v),
          },
          at,
        );
      }
      rec[f.name] = v;
    }
    rec.LastModifiedDate = at;
    rec.SystemModstamp = at;
    if (Object.keys(changed).length > 0)
      this.onChange?.(def.name, id, 'UPDATE', { ...changed, LastModifiedDate: at }, at);
    return rec;
  }

  // ---- custom fields and FLS -------------------------------------------------------------

  private toolingIds = 0;

  addCustomField(
    object: string,
    spec: {
      name: string;
      label: string;
      type: FieldType;
      length?: number;
      precision?: number;
      scale?: number;
      picklist?: string[];
      picklistLabels?: Record<string, string>;
    },
  ): FieldDef {
    const def = this.object(object);
    if (!def) throw new Error(`no object ${object}`);
    const f = makeField({
      ...spec,
      custom: true,
      // No field-level security until a permission set grants it.
      visible: false,
      restrictedPicklist: spec.type === 'picklist',
      updateable: false,
      toolingId: `00N5g${String(++this.toolingIds).padStart(10, '0')}AAA`,
    });
    def.fields.push(f);
    reindex(def);
    for (const rec of this.table(def.name).values())
      rec[f.name] = f.type === 'boolean' ? false : null;
    return f;
  }

  /**
   * Field-level security of Tooling-created fields: readable (visible) and editable only
   * through a FieldPermissions row of a permission set assigned to the integration user.
   */
  recomputeFls(): void {
    const assigned = new Set<string>();
    for (const a of this.table('PermissionSetAssignment').values())
      if (a.AssigneeId === this.userId) assigned.add(String(a.PermissionSetId));
    const read = new Set<string>();
    const edit = new Set<string>();
    for (const fp of this.table('FieldPermissions').values()) {
      if (!assigned.has(String(fp.ParentId))) continue;
      const key = String(fp.Field).toLowerCase();
      if (fp.PermissionsRead === true || fp.PermissionsEdit === true) read.add(key);
      if (fp.PermissionsEdit === true) edit.add(key);
    }
    for (const def of this.schema.values())
      for (const f of def.fields) {
        if (!f.toolingId) continue;
        const key = `${def.name}.${f.name}`.toLowerCase();
        f.visible = read.has(key);
        f.updateable = edit.has(key);
      }
  }

  source(): DataSource {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const org = this;
    return {
      object: (n) => org.apiObject(n),
      records: (o) => org.table(o).values(),
      get: (o, id) => org.get(o, id),
      now: () => org.now(),
      apiVersion: API_VERSION,
    };
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const def of this.schema.values()) out[def.name] = this.table(def.name).size;
    return out;
  }
}
