/**
 * Webhook delivery as the Webhooks API guide describes it: an app's subscriptions apply in
 * every account that installed it; events are POSTed as a JSON array of at most 100, with at
 * most `maxConcurrentRequests` (default 10) requests in flight per account; a delivery that
 * cannot connect, takes longer than five seconds, or answers 4xx/5xx is retried up to 10
 * times "spread out over the next 24 hours, with varying delays" and some randomization;
 * delivery is at least once and unordered. Each request is signed v1 (X-HubSpot-Signature)
 * and v3 (X-HubSpot-Signature-v3 + timestamp) with the app's client secret.
 *
 * The exact retry delays and HubSpot's own batching delay are not documented: the emulator
 * retries after 1, 2, 4 … 512 minutes (17 h in all, inside the documented 24 h) ±20 %, and
 * gathers events for `batchDelayMs` before sending. `timeScale` shrinks every wait so tests
 * run the real schedule in milliseconds.
 */
import { Rng } from '../demo/rng';
import { type AppConfig, type Hub, type Portal } from './hub';
import { HUBSPOT_USER_AGENT, signatureHeaders } from './signing';
import { type ChangeEvent } from './state/portal';
import { OBJECT_TYPES, type ObjectTypeName } from './state/types';

export interface Subscription {
  id: number;
  /** Legacy `contact.propertyChange` or generic `object.propertyChange` (+ objectType). */
  subscriptionType: string;
  objectType: ObjectTypeName;
  /** Generic subscriptions put the object type id in each event. */
  generic: boolean;
  event: 'creation' | 'propertyChange' | 'deletion';
  propertyName?: string;
  active: boolean;
}

export interface WebhookSettings {
  targetUrl: string;
  maxConcurrentRequests: number;
}

export interface AppWebhooks {
  settings: WebhookSettings;
  subscriptions: Subscription[];
}

export interface DeliveryOptions {
  /** Multiplies every retry delay (1 = HubSpot's hours; 0.001 = milliseconds). */
  timeScale?: number;
  /** How long events are gathered before a delivery. */
  batchDelayMs?: number;
  /** A delivery slower than this failed (HubSpot: five seconds). */
  timeoutMs?: number;
  /** Retries after the first attempt (HubSpot: 10). */
  maxRetries?: number;
  /** Probability that a delivered batch is delivered once more (at-least-once). */
  duplicateRate?: number;
  seed?: string;
}

/** One notification as the app receives it. */
export type Notification = Record<string, unknown> & {
  eventId: number;
  subscriptionId: number;
  attemptNumber: number;
};

interface Pending {
  hubId: number;
  appId: number;
  note: Notification;
  dueAt: number;
  /** A redelivery of notifications already delivered (at-least-once). */
  duplicate?: boolean;
}

export interface DeliveryRecord {
  hubId: number;
  appId: number;
  at: string;
  eventIds: number[];
  attemptNumbers: number[];
  /** HTTP status, or 'timeout' / 'connection-failed' / 'refused-by-fault'. */
  outcome: number | string;
  ok: boolean;
  durationMs: number;
  duplicate: boolean;
}

export interface WebhookFaults {
  /** The next N deliveries fail. */
  failNext: number;
  /** 'refuse': never sent (a connection failure); 'lose-response': sent, answer ignored. */
  mode: 'refuse' | 'lose-response';
  duplicateRate: number;
}

/** Minutes to wait before retry n (1-based), before randomization. */
export const RETRY_MINUTES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const MAX_BATCH = 100;

export const SUBSCRIPTION_TYPES: Record<
  string,
  { objectType: ObjectTypeName; event: Subscription['event'] }
> = {
  'contact.creation': { objectType: 'contacts', event: 'creation' },
  'contact.propertyChange': { objectType: 'contacts', event: 'propertyChange' },
  'contact.deletion': { objectType: 'contacts', event: 'deletion' },
  'deal.creation': { objectType: 'deals', event: 'creation' },
  'deal.propertyChange': { objectType: 'deals', event: 'propertyChange' },
  'deal.deletion': { objectType: 'deals', event: 'deletion' },
  'company.creation': { objectType: 'companies', event: 'creation' },
  'company.propertyChange': { objectType: 'companies', event: 'propertyChange' },
  'company.deletion': { objectType: 'companies', event: 'deletion' },
};
const GENERIC_OBJECTS: Record<string, ObjectTypeName> = {
  contact: 'contacts',
  deal: 'deals',
  company: 'companies',
  lead: 'leads',
};
/** Properties HubSpot does not allow property-change subscriptions on (Webhooks guide). */
const NOT_SUBSCRIBABLE = new Set(['num_unique_conversion_events', 'hs_lastmodifieddate']);

/**
 * Reads a `webhooks` project component (`*-hsmeta.json`): settings and the crmObjects /
 * legacyCrmObjects subscriptions. Relative target URLs resolve against `baseUrl`.
 */
export function webhooksFromComponent(component: unknown, baseUrl?: string): AppWebhooks {
  const c = component as {
    type?: string;
    config?: {
      settings?: { targetUrl?: string; maxConcurrentRequests?: number };
      subscriptions?: {
        crmObjects?: Array<Record<string, unknown>>;
        legacyCrmObjects?: Array<Record<string, unknown>>;
      };
    };
  };
  if (c?.type !== 'webhooks' || !c.config?.settings?.targetUrl)
    throw new Error('A webhooks component needs type "webhooks" and config.settings.targetUrl.');
  const target = c.config.settings.targetUrl;
  let targetUrl: string;
  if (/^https?:\/\//.test(target)) targetUrl = target;
  else if (baseUrl) targetUrl = baseUrl.replace(/\/+$/, '') + target;
  else throw new Error(`targetUrl ${target} is relative; pass the base URL of the receiver.`);
  const maxConcurrentRequests = c.config.settings.maxConcurrentRequests ?? 10;
  if (!Number.isInteger(maxConcurrentRequests) || maxConcurrentRequests < 5)
    throw new Error('maxConcurrentRequests must be an integer of at least 5.');
  const subscriptions: Subscription[] = [];
  let id = 1;
  for (const raw of c.config.subscriptions?.legacyCrmObjects ?? []) {
    const type = String(raw.subscriptionType);
    const known = SUBSCRIPTION_TYPES[type];
    if (!known) throw new Error(`Unknown legacy subscription type ${type}.`);
    subscriptions.push(
      checkSub({
        id: id++,
        subscriptionType: type,
        objectType: known.objectType,
        generic: false,
        event: known.event,
        ...(raw.propertyName ? { propertyName: String(raw.propertyName) } : {}),
        active: raw.active !== false,
      }),
    );
  }
  for (const raw of c.config.subscriptions?.crmObjects ?? []) {
    const type = String(raw.subscriptionType);
    const m = /^object\.(creation|propertyChange|deletion)$/.exec(type);
    const objectType = GENERIC_OBJECTS[String(raw.objectType ?? raw.objectName ?? '')];
    if (!m || !objectType)
      throw new Error(
        `Unsupported crmObjects subscription ${type} on ${String(raw.objectType ?? raw.objectName)}.`,
      );
    subscriptions.push(
      checkSub({
        id: id++,
        subscriptionType: type,
        objectType,
        generic: true,
        event: m[1] as Subscription['event'],
        ...(raw.propertyName ? { propertyName: String(raw.propertyName) } : {}),
        active: raw.active !== false,
      }),
    );
  }
  if (subscriptions.length > 1000)
    throw new Error(
      "Couldn't create another subscription. You've reached the maximum number allowed per application (1000).",
    );
  return { settings: { targetUrl, maxConcurrentRequests }, subscriptions };
}

function checkSub(s: Subscription): Subscription {
  // HubSpot needs the property of a property-change subscription; the stricter reading holds
  // for the generic form too.
  if (s.event === 'propertyChange' && !s.propertyName)
    throw new Error(`${s.subscriptionType} on ${s.objectType} needs a propertyName.`);
  if (s.propertyName && NOT_SUBSCRIBABLE.has(s.propertyName))
    throw new Error(`${s.propertyName} is not available for property change subscriptions.`);
  return s;
}

export class WebhookDispatcher {
  readonly config = new Map<number, AppWebhooks>();
  readonly deliveries: DeliveryRecord[] = [];
  readonly faults: WebhookFaults = { failNext: 0, mode: 'refuse', duplicateRate: 0 };
  private readonly pending: Pending[] = [];
  private readonly inFlight = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly controllers = new Set<AbortController>();
  private nextEventId = 3_816_279_340;
  private rng: Rng;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  readonly opts: Required<Omit<DeliveryOptions, 'seed' | 'duplicateRate'>>;

  constructor(
    private readonly hub: Hub,
    opts: DeliveryOptions = {},
  ) {
    this.opts = {
      timeScale: opts.timeScale ?? 1,
      batchDelayMs: opts.batchDelayMs ?? 1000,
      timeoutMs: opts.timeoutMs ?? 5000,
      maxRetries: opts.maxRetries ?? 10,
    };
    this.faults.duplicateRate = opts.duplicateRate ?? 0;
    this.rng = new Rng(`webhooks|${opts.seed ?? 'demo'}`);
  }

  configure(appId: number, webhooks: AppWebhooks): void {
    this.config.set(appId, webhooks);
  }

  /** Change events of a portal → notifications for every installed app subscribed to them. */
  onEvents(portal: Portal, events: ChangeEvent[]): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const appId of portal.installed) {
      const cfg = this.config.get(appId);
      const app = this.hub.app(appId);
      if (!cfg || !app) continue;
      for (const e of events) {
        const eventId = this.nextEventId++;
        for (const s of cfg.subscriptions) {
          if (!s.active || s.objectType !== e.objectType || s.event !== e.kind) continue;
          if (s.event === 'propertyChange' && s.propertyName !== e.propertyName) continue;
          this.pending.push({
            hubId: portal.hubId,
            appId,
            dueAt: now + this.opts.batchDelayMs,
            note: notification(s, e, eventId, portal.hubId, app),
          });
        }
      }
    }
    this.schedule();
  }

  /** Resolves when nothing is pending or in flight (tests, benches). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  pendingCount(): number {
    return this.pending.length;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const c of this.controllers) c.abort();
    this.pending.length = 0;
    this.checkIdle();
  }

  private isIdle(): boolean {
    let flying = 0;
    for (const n of this.inFlight.values()) flying += n;
    return this.pending.length === 0 && flying === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private saturated(p: Pending): boolean {
    const limit = this.config.get(p.appId)?.settings.maxConcurrentRequests ?? 10;
    return (this.inFlight.get(`${p.hubId}:${p.appId}`) ?? 0) >= limit;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return this.checkIdle();
    // Events of an account whose requests are all in flight wait for one to finish.
    const ready = this.pending.filter((p) => !this.saturated(p));
    if (!ready.length) return;
    const next = Math.min(...ready.map((p) => p.dueAt));
    this.timer = setTimeout(() => this.pump(), Math.max(0, next - Date.now()));
    this.timer.unref();
  }

  private pump(): void {
    this.timer = null;
    const now = Date.now();
    const groups = new Map<string, Pending[]>();
    for (const p of this.pending) {
      if (p.dueAt > now) continue;
      const key = `${p.hubId}:${p.appId}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(p);
    }
    for (const [key, due] of groups) {
      const cfg = this.config.get(due[0].appId);
      const limit = cfg?.settings.maxConcurrentRequests ?? 10;
      while (due.length && (this.inFlight.get(key) ?? 0) < limit) {
        const batch = due.splice(0, MAX_BATCH);
        for (const b of batch) this.pending.splice(this.pending.indexOf(b), 1);
        this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
        void this.deliver(
          batch,
          batch.some((b) => b.duplicate === true),
        ).finally(() => {
          this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
          this.schedule();
        });
      }
    }
    this.schedule();
  }

  private async deliver(batch: Pending[], duplicate: boolean): Promise<void> {
    const { hubId, appId } = batch[0];
    const cfg = this.config.get(appId);
    const app = this.hub.app(appId);
    const portal = this.hub.portal(hubId);
    // Uninstalled meanwhile: HubSpot stops sending.
    if (!cfg || !app || !portal?.installed.has(appId)) return;
    const body = JSON.stringify(batch.map((p) => p.note));
    const started = Date.now();
    let outcome: number | string;
    if (this.faults.failNext > 0 && this.faults.mode === 'refuse') {
      this.faults.failNext--;
      outcome = 'refused-by-fault';
    } else {
      outcome = await this.post(cfg.settings.targetUrl, app.clientSecret, body);
      if (this.faults.failNext > 0 && this.faults.mode === 'lose-response') {
        this.faults.failNext--;
        outcome = `lost-response(${String(outcome)})`;
      }
    }
    const ok = typeof outcome === 'number' && outcome >= 200 && outcome < 300;
    this.deliveries.push({
      hubId,
      appId,
      at: new Date(started).toISOString(),
      eventIds: batch.map((p) => p.note.eventId),
      attemptNumbers: batch.map((p) => p.note.attemptNumber),
      outcome,
      ok,
      durationMs: Date.now() - started,
      duplicate,
    });
    if (this.stopped) return;
    if (ok) {
      if (this.faults.duplicateRate > 0 && this.rng.chance(this.faults.duplicateRate))
        for (const p of batch)
          this.pending.push({ ...p, duplicate: true, dueAt: Date.now() + this.opts.batchDelayMs });
      return;
    }
    for (const p of batch) {
      const retry = p.note.attemptNumber + 1;
      if (retry > this.opts.maxRetries) continue;
      const minutes = RETRY_MINUTES[Math.min(retry, RETRY_MINUTES.length) - 1];
      const jitter = 0.8 + 0.4 * this.rng.next();
      this.pending.push({
        ...p,
        note: { ...p.note, attemptNumber: retry },
        dueAt: Date.now() + minutes * 60_000 * jitter * this.opts.timeScale,
      });
    }
  }

  private async post(url: string, secret: string, body: string): Promise<number | string> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': HUBSPOT_USER_AGENT,
          ...signatureHeaders(secret, 'POST', url, body, 'v1'),
        },
        body,
        signal: controller.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status;
    } catch (e) {
      return controller.signal.aborted ? 'timeout' : `connection-failed: ${(e as Error).message}`;
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }
}

function notification(
  s: Subscription,
  e: ChangeEvent,
  eventId: number,
  hubId: number,
  app: AppConfig,
): Notification {
  return {
    eventId,
    subscriptionId: s.id,
    portalId: hubId,
    appId: app.appId,
    occurredAt: e.occurredAt,
    subscriptionType: s.subscriptionType,
    attemptNumber: 0,
    objectId: e.objectId,
    ...(s.generic ? { objectTypeId: OBJECT_TYPES[e.objectType].typeId } : {}),
    ...(e.kind === 'propertyChange'
      ? { propertyName: e.propertyName, propertyValue: e.propertyValue }
      : {}),
    changeSource: e.changeSource,
    ...(e.sourceId !== undefined ? { sourceId: e.sourceId } : {}),
    ...(s.generic ? { isSensitive: false } : {}),
  };
}
