/**
 * Workflows that call an app's custom workflow action and branch, as HubSpot runs them:
 * an enrolled record's CUSTOM_ACTION step POSTs the execution request of the automation-v4
 * custom action reference ({callbackId, origin, context, object, inputFields}) signed v2
 * (X-HubSpot-Signature, as the custom action guide says) and v3, to the action's URL; the
 * answer's `outputFields` (with `hs_execution_state` SUCCESS | FAIL_CONTINUE | BLOCK) feed
 * later steps; BLOCK waits for POST /automation/v4/actions/callbacks/{callbackId}/complete.
 * A 429 is retried (honouring Retry-After), a 5xx, timeout or refused connection is retried
 * over three days, any other answer fails the step and the workflow continues (workflow
 * webhook and extension docs). Outputs the definition does not declare are dropped; a value
 * that does not fit its declared type fails the step (the stricter reading).
 * Delays scale with `timeScale` like webhook retries.
 */
import { type Hub, type Portal } from './hub';
import { HUBSPOT_USER_AGENT, signatureHeaders } from './signing';
import { type ChangeEvent } from './state/portal';
import { type ObjectTypeName } from './state/types';

export interface FieldDef {
  typeDefinition: {
    name: string;
    type: string;
    fieldType?: string;
    options?: Array<{ value: string; label?: string }>;
  };
  supportedValueTypes?: string[];
  isRequired?: boolean;
}

export interface ActionDefinition {
  id: string;
  appId: number;
  actionUrl: string;
  published: boolean;
  objectTypes: string[];
  inputFields: FieldDef[];
  outputFields: FieldDef[];
  objectRequestOptions?: { properties: string[] };
  revision: number;
}

export type InputValue = string | { propertyName: string };

export type WorkflowStep =
  | {
      id: string;
      type: 'CUSTOM_ACTION';
      actionDefinitionId: string;
      inputFields?: Record<string, InputValue>;
    }
  | {
      id: string;
      type: 'BRANCH';
      on: { stepId: string; outputField: string } | { property: string };
      branches: Record<string, string>;
      defaultBranch: string;
    };

/** The objects a workflow can be based on here, and the store each reads. */
export const WORKFLOW_OBJECT_STORES = {
  CONTACT: 'contacts',
  DEAL: 'deals',
  COMPANY: 'companies',
} as const satisfies Record<string, ObjectTypeName>;
export type WorkflowObjectType = keyof typeof WORKFLOW_OBJECT_STORES;

export interface WorkflowDef {
  id: number;
  hubId: number;
  name: string;
  /** What the workflow enrols: contacts, deals or companies (HubSpot's workflow types). */
  objectType: WorkflowObjectType;
  /** Records enrol when one of these properties changes (HubSpot's property-change trigger). */
  enrollOnPropertyChange: string[];
  /** Enrol a contact again on a later trigger (HubSpot: re-enrollment off by default). */
  reenroll: boolean;
  steps: WorkflowStep[];
}

export interface StepResult {
  stepId: string;
  type: WorkflowStep['type'];
  attempts: number;
  status: 'SUCCESS' | 'FAIL_CONTINUE' | 'BLOCKED' | 'FAILED' | 'TAKEN';
  callbackId?: string;
  executionState?: string;
  outputFields?: Record<string, string | number | boolean>;
  ignoredOutputs?: string[];
  error?: string;
  branch?: string;
  value?: string | null;
}

export interface Enrollment {
  id: number;
  workflowId: number;
  objectId: number;
  status: 'ACTIVE' | 'BLOCKED' | 'COMPLETED';
  /** The label of the last branch taken. */
  branch: string | null;
  steps: StepResult[];
  enrolledAt: string;
  finishedAt: string | null;
}

export interface WorkflowOptions {
  timeScale?: number;
  /** An action slower than this failed (not documented for custom actions; 5 s is strict). */
  timeoutMs?: number;
  /** Parallel enrolments per workflow. */
  concurrency?: number;
}

/** Retry delays (minutes) for 5xx/timeouts: doubling, capped, three days in all. */
const RETRY_MINUTES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1440, 1440];
const DEFAULT_BLOCK_MS = 7 * 24 * 3_600_000;

/** Reads a `workflow-action` project component (`*-hsmeta.json`). */
export function actionFromComponent(
  component: unknown,
  appId: number,
  id: string,
  baseUrl?: string,
): ActionDefinition {
  const c = component as { type?: string; config?: Record<string, unknown> };
  const cfg = c?.config;
  if (c?.type !== 'workflow-action' || !cfg || typeof cfg.actionUrl !== 'string')
    throw new Error('A workflow-action component needs type "workflow-action" and actionUrl.');
  const url = cfg.actionUrl;
  let actionUrl: string;
  if (/^https?:\/\//.test(url)) actionUrl = url;
  else if (baseUrl) actionUrl = baseUrl.replace(/\/+$/, '') + url;
  else throw new Error(`actionUrl ${url} is relative; pass the base URL of the receiver.`);
  const fields = (v: unknown) => (Array.isArray(v) ? (v as FieldDef[]) : []);
  const options = cfg.objectRequestOptions as { properties?: string[] } | undefined;
  return {
    id,
    appId,
    actionUrl,
    published: cfg.isPublished !== false,
    objectTypes: Array.isArray(cfg.objectTypes) ? (cfg.objectTypes as string[]) : ['CONTACT'],
    inputFields: fields(cfg.inputFields),
    outputFields: fields(cfg.outputFields),
    ...(options?.properties ? { objectRequestOptions: { properties: options.properties } } : {}),
    revision: 1,
  };
}

/** ISO-8601 durations like P1D, PT30M, P1W. */
function durationMs(iso: string | undefined): number {
  if (!iso) return DEFAULT_BLOCK_MS;
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m) return DEFAULT_BLOCK_MS;
  const [w, d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
}

function checkOutput(
  def: FieldDef,
  value: unknown,
): { ok: true; value: string | number | boolean } | { ok: false; why: string } {
  const { name, type, options } = def.typeDefinition;
  if (value === null || value === undefined) return { ok: false, why: `${name} is empty` };
  if (type === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) && String(value).trim() !== ''
      ? { ok: true, value: n }
      : { ok: false, why: `${name}=${String(value)} is not a number` };
  }
  if (type === 'bool' || type === 'boolean') {
    const v = String(value).toLowerCase();
    return v === 'true' || v === 'false'
      ? { ok: true, value: v === 'true' }
      : { ok: false, why: `${name}=${String(value)} is not a boolean` };
  }
  if (type === 'enumeration') {
    const v = String(value);
    return options?.some((o) => o.value === v)
      ? { ok: true, value: v }
      : {
          ok: false,
          why: `${name}=${v} is not one of the declared options [${(options ?? []).map((o) => o.value).join(', ')}]`,
        };
  }
  return typeof value === 'object'
    ? { ok: false, why: `${name} is not a ${type}` }
    : { ok: true, value: String(value) };
}

export class WorkflowRunner {
  readonly actions = new Map<string, ActionDefinition>();
  readonly workflows = new Map<number, WorkflowDef>();
  readonly enrollments = new Map<number, Enrollment[]>();
  private readonly callbacks = new Map<
    string,
    { appId: number; resolve: (outputs: Record<string, unknown> | null) => void }
  >();
  private nextWorkflowId = 1001;
  private nextEnrollmentId = 1;
  private nextActionId = 10_860_211;
  private running = 0;
  /** Running enrolments waiting on a BLOCK callback: they do not keep the runner busy. */
  private blocked = 0;
  private readonly queue: Array<() => Promise<void>> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private readonly opts: Required<WorkflowOptions>;

  constructor(
    private readonly hub: Hub,
    opts: WorkflowOptions = {},
  ) {
    this.opts = {
      timeScale: opts.timeScale ?? 1,
      timeoutMs: opts.timeoutMs ?? 5000,
      concurrency: opts.concurrency ?? 10,
    };
  }

  addAction(component: unknown, appId: number, baseUrl?: string): ActionDefinition {
    const def = actionFromComponent(component, appId, String(this.nextActionId++), baseUrl);
    this.actions.set(def.id, def);
    return def;
  }

  addWorkflow(w: Omit<WorkflowDef, 'id'>): WorkflowDef {
    for (const s of w.steps) {
      if (s.type !== 'CUSTOM_ACTION') continue;
      const def = this.actions.get(s.actionDefinitionId);
      if (!def) throw new Error(`No custom action definition ${s.actionDefinitionId}.`);
      if (!def.published) throw new Error(`Action ${def.id} is not published.`);
      // HubSpot offers an action only in workflows of the objects its definition lists.
      if (!def.objectTypes.includes(w.objectType))
        throw new Error(
          `Action ${def.id} is not offered in ${w.objectType} workflows (objectTypes ${def.objectTypes.join(', ')}).`,
        );
      if (!this.hub.portal(w.hubId)?.installed.has(def.appId))
        throw new Error(`The app of action ${def.id} is not installed in portal ${w.hubId}.`);
      for (const f of def.inputFields)
        if (f.isRequired && s.inputFields?.[f.typeDefinition.name] === undefined)
          throw new Error(`Step ${s.id} lacks the required input ${f.typeDefinition.name}.`);
    }
    const def: WorkflowDef = { ...w, id: this.nextWorkflowId++ };
    this.workflows.set(def.id, def);
    this.enrollments.set(def.id, []);
    return def;
  }

  /** Property-change triggers. */
  onEvents(portal: Portal, events: ChangeEvent[]): void {
    if (this.stopped) return;
    for (const w of this.workflows.values()) {
      if (w.hubId !== portal.hubId) continue;
      for (const e of events)
        if (
          e.objectType === WORKFLOW_OBJECT_STORES[w.objectType] &&
          e.kind === 'propertyChange' &&
          w.enrollOnPropertyChange.includes(e.propertyName ?? '')
        )
          this.enroll(w.id, [e.objectId]);
    }
  }

  enroll(workflowId: number, objectIds: number[]): Enrollment[] {
    const w = this.workflows.get(workflowId);
    if (!w) throw new Error(`No workflow ${workflowId}.`);
    const list = this.enrollments.get(workflowId)!;
    const out: Enrollment[] = [];
    for (const objectId of objectIds) {
      if (!w.reenroll && list.some((e) => e.objectId === objectId)) continue;
      const e: Enrollment = {
        id: this.nextEnrollmentId++,
        workflowId,
        objectId,
        status: 'ACTIVE',
        branch: null,
        steps: [],
        enrolledAt: new Date().toISOString(),
        finishedAt: null,
      };
      list.push(e);
      out.push(e);
      this.queue.push(() => this.run(w, e));
    }
    this.drain();
    return out;
  }

  /** The blocked execution `callbackId` of one of `appId`'s actions finishes with `outputs`. */
  complete(callbackId: string, appId: number, outputs: Record<string, unknown>): boolean {
    const cb = this.callbacks.get(callbackId);
    if (!cb || cb.appId !== appId) return false;
    this.callbacks.delete(callbackId);
    cb.resolve(outputs);
    return true;
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const cb of this.callbacks.values()) cb.resolve(null);
    this.callbacks.clear();
    this.queue.length = 0;
  }

  private isIdle(): boolean {
    return this.running - this.blocked === 0 && this.queue.length === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  private drain(): void {
    while (this.running < this.opts.concurrency && this.queue.length) {
      const job = this.queue.shift()!;
      this.running++;
      void job().finally(() => {
        this.running--;
        this.drain();
        this.notifyIfIdle();
      });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async run(w: WorkflowDef, e: Enrollment): Promise<void> {
    const portal = this.hub.portal(w.hubId);
    if (!portal) return;
    for (const step of w.steps) {
      if (this.stopped) return;
      if (step.type === 'BRANCH') {
        let value: string | null = null;
        if ('property' in step.on) {
          const store = portal.state.stores[WORKFLOW_OBJECT_STORES[w.objectType]];
          const rec = store.get(e.objectId, true);
          value = rec ? store.value(rec, step.on.property) : null;
        } else {
          const { stepId, outputField } = step.on;
          const from = e.steps.find((s) => s.stepId === stepId);
          const v = from?.outputFields?.[outputField];
          value = v === undefined ? null : String(v);
        }
        const branch = (value !== null ? step.branches[value] : undefined) ?? step.defaultBranch;
        e.branch = branch;
        e.steps.push({
          stepId: step.id,
          type: 'BRANCH',
          attempts: 0,
          status: 'TAKEN',
          branch,
          value,
        });
        continue;
      }
      e.steps.push(await this.execute(w, e, step, portal));
    }
    e.status = 'COMPLETED';
    e.finishedAt = new Date().toISOString();
  }

  private async execute(
    w: WorkflowDef,
    e: Enrollment,
    step: Extract<WorkflowStep, { type: 'CUSTOM_ACTION' }>,
    portal: Portal,
  ): Promise<StepResult> {
    const def = this.actions.get(step.actionDefinitionId)!;
    const app = this.hub.app(def.appId);
    const result: StepResult = {
      stepId: step.id,
      type: 'CUSTOM_ACTION',
      attempts: 0,
      status: 'FAILED',
    };
    if (!app || !portal.installed.has(def.appId)) {
      result.error = 'The app is no longer installed in this account.';
      return result;
    }
    const records = portal.state.stores[WORKFLOW_OBJECT_STORES[w.objectType]];
    const rec = records.get(e.objectId);
    if (!rec) {
      result.error = `${w.objectType} ${e.objectId} no longer exists.`;
      return result;
    }
    const inputFields: Record<string, string | null> = {};
    for (const [name, v] of Object.entries(step.inputFields ?? {}))
      inputFields[name] = typeof v === 'string' ? v : records.value(rec, v.propertyName);
    const callbackId = `ap-${def.appId}-${portal.hubId}-${e.id}-${w.steps.indexOf(step)}-0`;
    result.callbackId = callbackId;
    const request: Record<string, unknown> = {
      callbackId,
      origin: {
        portalId: portal.hubId,
        actionDefinitionId: Number(def.id),
        actionDefinitionVersion: def.revision,
      },
      context: { source: 'WORKFLOWS', workflowId: w.id },
      object: {
        objectId: e.objectId,
        objectType: w.objectType,
        ...(def.objectRequestOptions
          ? {
              properties: Object.fromEntries(
                def.objectRequestOptions.properties.map((p) => [p, records.value(rec, p)]),
              ),
            }
          : {}),
      },
      inputFields,
    };
    const body = JSON.stringify(request);
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return result;
      result.attempts = attempt + 1;
      const answer = await this.post(def.actionUrl, app.clientSecret, body);
      const retryable =
        answer.status === 'timeout' ||
        answer.status === 'connection-failed' ||
        answer.status === 429 ||
        (typeof answer.status === 'number' && answer.status >= 500);
      if (retryable) {
        if (attempt >= RETRY_MINUTES.length) {
          result.error = `Gave up after ${attempt + 1} attempts (${String(answer.status)}).`;
          return result;
        }
        const retryAfter = answer.status === 429 ? Number(answer.retryAfter) : NaN;
        const waitMs = Number.isFinite(retryAfter)
          ? retryAfter * 1000
          : RETRY_MINUTES[attempt] * 60_000;
        await this.sleep(waitMs * this.opts.timeScale);
        continue;
      }
      if (typeof answer.status !== 'number' || answer.status < 200 || answer.status >= 300) {
        result.error = `The action answered ${String(answer.status)}.`;
        return result;
      }
      let parsed: { outputFields?: Record<string, unknown>; expirationDuration?: string };
      try {
        parsed = JSON.parse(answer.body) as typeof parsed;
      } catch {
        result.error = 'The action answered with a body that is not JSON.';
        return result;
      }
      return this.outcome(def, result, parsed, e);
    }
  }

  private async outcome(
    def: ActionDefinition,
    result: StepResult,
    parsed: { outputFields?: Record<string, unknown>; expirationDuration?: string },
    e: Enrollment,
  ): Promise<StepResult> {
    let raw = parsed.outputFields ?? {};
    let state = String(raw.hs_execution_state ?? 'SUCCESS');
    if (state === 'BLOCK') {
      result.status = 'BLOCKED';
      e.status = 'BLOCKED';
      e.steps.push(result);
      this.blocked++;
      this.notifyIfIdle();
      const outputs = await new Promise<Record<string, unknown> | null>((resolve) => {
        this.callbacks.set(result.callbackId!, { appId: def.appId, resolve });
        const t = setTimeout(
          () => {
            this.timers.delete(t);
            this.callbacks.delete(result.callbackId!);
            resolve(null);
          },
          durationMs(parsed.expirationDuration) * this.opts.timeScale,
        );
        this.timers.add(t);
      });
      this.blocked--;
      e.steps.pop();
      e.status = 'ACTIVE';
      if (outputs === null) {
        result.status = 'FAILED';
        result.error = 'The blocked action was never completed before it expired.';
        return result;
      }
      raw = outputs;
      state = String(raw.hs_execution_state ?? 'SUCCESS');
    }
    result.executionState = state;
    const outputs: Record<string, string | number | boolean> = {};
    const declared = new Map(def.outputFields.map((f) => [f.typeDefinition.name, f]));
    const ignored: string[] = [];
    for (const [name, value] of Object.entries(raw)) {
      if (name === 'hs_execution_state') continue;
      const f = declared.get(name);
      if (!f) {
        ignored.push(name);
        continue;
      }
      if (value === null || value === undefined) continue;
      const checked = checkOutput(f, value);
      if (!checked.ok) {
        result.status = 'FAILED';
        result.error = `Invalid output: ${checked.why}.`;
        return result;
      }
      outputs[name] = checked.value;
    }
    if (ignored.length) result.ignoredOutputs = ignored;
    result.outputFields = outputs;
    result.status = state === 'FAIL_CONTINUE' ? 'FAIL_CONTINUE' : 'SUCCESS';
    return result;
  }

  private async post(
    url: string,
    secret: string,
    body: string,
  ): Promise<{
    status: number | 'timeout' | 'connection-failed';
    body: string;
    retryAfter?: string;
  }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': HUBSPOT_USER_AGENT,
          ...signatureHeaders(secret, 'POST', url, body, 'v2'),
        },
        body,
        signal: controller.signal,
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text,
        ...(res.headers.get('retry-after') ? { retryAfter: res.headers.get('retry-after')! } : {}),
      };
    } catch {
      return { status: controller.signal.aborted ? 'timeout' : 'connection-failed', body: '' };
    } finally {
      clearTimeout(timer);
    }
  }
}
