/**
 * The control plane under /__emulator (no auth, never under /crm): faults, stats, writes,
 * reset, seed, truth — and the parts of HubSpot a test plays instead of a person: portals,
 * apps and their tokens, installing an app's project components (webhooks, workflow action),
 * uninstalling, editing records "in the UI", workflows and their enrolments, and the webhook
 * delivery log. Every per-portal route takes `portalId` (query or body); without it the
 * default portal is meant.
 */
import express, { type Express, type Request, type Response } from 'express';
import { z } from 'zod';
import { errorBody, HubSpotHttpError, validation } from '../errors';
import { type Stats } from '../faults';
import { DEFAULT_APP_ID, type Hub, type Portal } from '../hub';
import { type RateLimiter } from '../ratelimit';
import { json, typeOf, type Ctx } from '../routing';
import { serialize } from '../serialize';
import { validateProperties } from '../validate';
import { webhooksFromComponent, type WebhookDispatcher } from '../webhooks';
import { type WorkflowRunner, type WorkflowStep } from '../workflows';
import {
  checkUnique,
  commitArchive,
  commitCreate,
  commitUpdate,
  lookup,
  prepareCreate,
  uiSource,
} from '../writes';

export interface ControlServices {
  hub: Hub;
  stats: Stats;
  limiter: RateLimiter;
  webhooks: WebhookDispatcher;
  workflows: WorkflowRunner;
  /** Regenerates every portal and clears counters, faults, logs and enrolments. */
  reset(): void;
  /** Regenerates one portal with a new seed/size and clears counters and faults. */
  reseed(portal: Portal, seed: string, contacts: number): void;
}

const RateLimitSchema = z
  .object({
    tenSecondly: z.number().int().positive().nullable().optional(),
    secondly: z.number().int().positive().nullable().optional(),
    daily: z.number().int().positive().nullable().optional(),
  })
  .strict();
const SeedSchema = z
  .object({
    seed: z.union([z.string(), z.number()]).optional(),
    contacts: z.number().int().min(0).max(1_000_000).optional(),
    portalId: z.number().int().optional(),
  })
  .strict();
const PortalSchema = z
  .object({
    hubId: z.number().int().positive().optional(),
    seed: z.union([z.string(), z.number()]).optional(),
    contacts: z.number().int().min(0).max(1_000_000).optional(),
    now: z.string().optional(),
    tier: z.enum(['free', 'starter', 'professional', 'enterprise']).optional(),
    rateLimit: RateLimitSchema.optional(),
    /** Installs the default (LeadLens) private app with this token. */
    privateAppToken: z.string().min(1).optional(),
  })
  .strict();
const TokenSchema = z
  .object({
    token: z.string().min(1),
    portalId: z.number().int().optional(),
    /** A token of this app; without it the token is a private app of its own. */
    appId: z.number().int().optional(),
    scopes: z.array(z.string()).optional(),
    expired: z.boolean().optional(),
  })
  .strict();
const AppSchema = z
  .object({
    name: z.string().min(1),
    auth: z.enum(['static', 'oauth']).default('oauth'),
    appId: z.number().int().positive().optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    redirectUris: z.array(z.string().url()).default([]),
    scopes: z.array(z.string()).optional(),
    optionalScopes: z.array(z.string()).default([]),
  })
  .strict();
const ComponentSchema = z
  .object({
    component: z.record(z.string(), z.unknown()),
    /** Resolves relative targetUrl / actionUrl (the LeadLens server's origin). */
    baseUrl: z.string().url().optional(),
  })
  .strict();
const StepSchema: z.ZodType<WorkflowStep> = z.union([
  z
    .object({
      id: z.string().min(1),
      type: z.literal('CUSTOM_ACTION'),
      actionDefinitionId: z.string().min(1),
      inputFields: z
        .record(z.string(), z.union([z.string(), z.object({ propertyName: z.string() })]))
        .optional(),
    })
    .strict(),
  z
    .object({
      id: z.string().min(1),
      type: z.literal('BRANCH'),
      on: z.union([
        z.object({ stepId: z.string(), outputField: z.string() }).strict(),
        z.object({ property: z.string() }).strict(),
      ]),
      branches: z.record(z.string(), z.string()),
      defaultBranch: z.string(),
    })
    .strict(),
]);
const WorkflowSchema = z
  .object({
    portalId: z.number().int().optional(),
    name: z.string().min(1),
    objectType: z.enum(['CONTACT', 'DEAL', 'COMPANY']).default('CONTACT'),
    enrollOnPropertyChange: z.array(z.string()).default([]),
    reenroll: z.boolean().default(false),
    steps: z.array(StepSchema).min(1),
  })
  .strict();
const WebhookFaultSchema = z
  .object({
    failNext: z.number().int().min(0).optional(),
    mode: z.enum(['refuse', 'lose-response']).optional(),
    duplicateRate: z.number().min(0).max(1).optional(),
  })
  .strict();

export function registerControl(app: Express, ctx: Ctx, s: ControlServices): void {
  const { hub } = s;
  const r = express.Router();
  const handle = (fn: (req: Request, res: Response) => void) => (req: Request, res: Response) => {
    try {
      fn(req, res);
    } catch (e) {
      const err =
        e instanceof z.ZodError
          ? validation(e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
          : e instanceof HubSpotHttpError
            ? e
            : new HubSpotHttpError(400, 'VALIDATION_ERROR', (e as Error).message);
      json(res, err.status, errorBody(err));
    }
  };
  const portalFrom = (req: Request): Portal => {
    const id = (req.body as { portalId?: unknown } | undefined)?.portalId ?? req.query.portalId;
    const p = hub.portal(id === undefined ? undefined : String(id));
    if (!p) throw new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', `No portal ${String(id)}.`);
    return p;
  };
  const portalJson = (p: Portal) => ({
    hubId: p.hubId,
    tier: p.tier,
    limits: p.limits,
    seed: p.seed,
    contacts: p.contacts,
    installedApps: [...p.installed],
  });
  const appJson = (a: NonNullable<ReturnType<Hub['app']>>) => ({
    appId: a.appId,
    name: a.name,
    auth: a.auth,
    clientId: a.clientId,
    clientSecret: a.clientSecret,
    redirectUris: a.redirectUris,
    scopes: a.scopes,
    optionalScopes: a.optionalScopes,
  });

  r.get(
    '/faults',
    handle((_req, res) => json(res, 200, ctx.faults.faults)),
  );
  r.post(
    '/faults',
    handle((req, res) => json(res, 200, ctx.faults.set(req.body ?? {}))),
  );
  r.get(
    '/stats',
    handle((_req, res) =>
      json(res, 200, {
        total: s.stats.total,
        byRoute: s.stats.byRoute,
        byPortal: Object.fromEntries(s.limiter.usage),
      }),
    ),
  );
  r.get(
    '/writes',
    handle((req, res) => {
      const type = typeOf(String(req.query.objectType ?? 'contacts'));
      const byId = portalFrom(req).state.writes.get(type.name) ?? new Map();
      json(res, 200, { objectType: type.name, writes: Object.fromEntries(byId) });
    }),
  );

  r.get(
    '/portals',
    handle((_req, res) => json(res, 200, { results: [...hub.portals.values()].map(portalJson) })),
  );
  r.post(
    '/portals',
    handle((req, res) => {
      const p = PortalSchema.parse(req.body ?? {});
      const portal = hub.addPortal(p);
      if (p.privateAppToken) hub.addStaticToken(portal.hubId, DEFAULT_APP_ID, p.privateAppToken);
      json(res, 201, portalJson(portal));
    }),
  );
  r.post(
    '/tokens',
    handle((req, res) => {
      const t = TokenSchema.parse(req.body);
      const portal = portalFrom(req);
      if (hub.token(t.token)) throw validation('That token already exists.');
      const appId =
        t.appId ??
        hub.registerApp({
          name: `private app of ${t.token.slice(0, 4)}…`,
          scopes: t.scopes ?? null,
        }).appId;
      if (!hub.app(appId)) throw new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', `No app ${appId}.`);
      const info = hub.addStaticToken(portal.hubId, appId, t.token, {
        ...(t.scopes ? { scopes: t.scopes } : {}),
        expired: t.expired ?? false,
      });
      json(res, 200, {
        token: '(set)',
        portalId: info.hubId,
        appId: info.appId,
        scopes: t.scopes ?? 'all',
        expired: info.expired,
      });
    }),
  );
  r.post(
    '/tokens/expire',
    handle((req, res) => {
      const token = String((req.body as { token?: unknown } | undefined)?.token ?? '');
      if (!hub.expireToken(token))
        throw new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', 'No such token.');
      json(res, 200, { expired: true });
    }),
  );
  r.post(
    '/apps',
    handle((req, res) => {
      const a = AppSchema.parse(req.body ?? {});
      if (a.appId && hub.app(a.appId)) throw validation(`App ${a.appId} exists.`);
      json(res, 201, appJson(hub.registerApp(a)));
    }),
  );
  r.get(
    '/apps/:appId',
    handle((req, res) => {
      const a = hub.app(String(req.params.appId));
      if (!a) throw new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', 'No such app.');
      json(res, 200, appJson(a));
    }),
  );
  r.post(
    '/apps/:appId/components',
    handle((req, res) => {
      const a = hub.app(String(req.params.appId));
      if (!a) throw new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', 'No such app.');
      const { component, baseUrl } = ComponentSchema.parse(req.body ?? {});
      if (component.type === 'webhooks') {
        const w = webhooksFromComponent(component, baseUrl);
        s.webhooks.configure(a.appId, w);
        json(res, 200, { type: 'webhooks', ...w });
      } else if (component.type === 'workflow-action') {
        const def = s.workflows.addAction(component, a.appId, baseUrl);
        json(res, 200, { type: 'workflow-action', actionDefinitionId: def.id, definition: def });
      } else throw validation(`Component type ${String(component.type)} is not emulated.`);
    }),
  );
  r.post(
    '/uninstall',
    handle((req, res) => {
      const portal = portalFrom(req);
      const appId = Number((req.body as { appId?: unknown } | undefined)?.appId);
      if (!portal.installed.has(appId))
        throw new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', `App ${appId} is not installed.`);
      hub.uninstall(portal.hubId, appId);
      json(res, 200, { uninstalled: appId, notificationSent: false });
    }),
  );

  // Records edited by a person in HubSpot's UI: history source CRM_UI, change events fire.
  r.post(
    '/objects/:objectType',
    handle((req, res) => {
      const state = portalFrom(req).state;
      const store = state.stores[typeOf(req.params.objectType).name];
      const body = { ...(req.body as Record<string, unknown>) };
      delete body.portalId;
      const rec = commitCreate(state, store, prepareCreate(state, store, body), uiSource());
      json(
        res,
        201,
        serialize(state, store, rec, { properties: null, history: [], associations: [] }),
      );
    }),
  );
  r.patch(
    '/objects/:objectType/:id',
    handle((req, res) => {
      const state = portalFrom(req).state;
      const store = state.stores[typeOf(req.params.objectType).name];
      const rec = lookup(store, String(req.params.id));
      if (!rec) throw new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', 'resource not found');
      const props = validateProperties(
        store,
        (req.body as { properties?: unknown } | undefined)?.properties,
      );
      checkUnique(store, props, rec);
      commitUpdate(state, store, rec, props, uiSource(rec));
      json(
        res,
        200,
        serialize(state, store, rec, {
          properties: Object.keys(props),
          history: [],
          associations: [],
        }),
      );
    }),
  );
  r.delete(
    '/objects/:objectType/:id',
    handle((req, res) => {
      const state = portalFrom(req).state;
      const store = state.stores[typeOf(req.params.objectType).name];
      const rec = lookup(store, String(req.params.id));
      if (rec) commitArchive(state, store, rec, uiSource(rec));
      res.status(204).end();
    }),
  );

  r.get(
    '/webhooks/deliveries',
    handle((req, res) => {
      const hubId = req.query.portalId === undefined ? undefined : Number(req.query.portalId);
      json(res, 200, {
        pending: s.webhooks.pendingCount(),
        results: s.webhooks.deliveries.filter((d) => hubId === undefined || d.hubId === hubId),
      });
    }),
  );
  r.post(
    '/webhooks/faults',
    handle((req, res) => {
      Object.assign(s.webhooks.faults, WebhookFaultSchema.parse(req.body ?? {}));
      json(res, 200, s.webhooks.faults);
    }),
  );

  r.get(
    '/workflows',
    handle((_req, res) => json(res, 200, { results: [...s.workflows.workflows.values()] })),
  );
  r.post(
    '/workflows',
    handle((req, res) => {
      const w = WorkflowSchema.parse(req.body ?? {});
      const portal = portalFrom(req);
      json(
        res,
        201,
        s.workflows.addWorkflow({
          hubId: portal.hubId,
          name: w.name,
          objectType: w.objectType,
          enrollOnPropertyChange: w.enrollOnPropertyChange,
          reenroll: w.reenroll,
          steps: w.steps,
        }),
      );
    }),
  );
  r.post(
    '/workflows/:id/enroll',
    handle((req, res) => {
      const ids = z
        .object({ objectIds: z.array(z.union([z.number().int(), z.string().regex(/^\d+$/)])) })
        .parse(req.body ?? {})
        .objectIds.map(Number);
      json(res, 200, { enrolled: s.workflows.enroll(Number(req.params.id), ids).length });
    }),
  );
  r.get(
    '/workflows/:id/enrollments',
    handle((req, res) => {
      const list = s.workflows.enrollments.get(Number(req.params.id));
      if (!list) throw new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', 'No such workflow.');
      const byBranch: Record<string, number> = {};
      for (const e of list) if (e.branch) byBranch[e.branch] = (byBranch[e.branch] ?? 0) + 1;
      json(res, 200, { byBranch, results: list });
    }),
  );

  r.post(
    '/reset',
    handle((_req, res) => {
      s.reset();
      const p = hub.defaultPortal;
      json(res, 200, { ok: true, seed: p.seed, contacts: p.contacts });
    }),
  );
  r.post(
    '/seed',
    handle((req, res) => {
      const b = SeedSchema.parse(req.body ?? {});
      const p = portalFrom(req);
      s.reseed(p, String(b.seed ?? p.seed), b.contacts ?? p.contacts);
      json(res, 200, { ok: true, portalId: p.hubId, seed: p.seed, contacts: p.contacts });
    }),
  );
  r.get(
    '/truth/:contactId',
    handle((req, res) => {
      const t = portalFrom(req).demo.truth(req.params.contactId);
      if (!t)
        throw new HubSpotHttpError(
          404,
          'OBJECT_NOT_FOUND',
          `No ground truth for contact ${req.params.contactId}.`,
        );
      json(res, 200, t);
    }),
  );
  app.use('/__emulator', express.json({ limit: '5mb' }), r);
}
