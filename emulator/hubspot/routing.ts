/** Route plumbing shared by every /crm handler: faults → auth → rate limit → handler. */
import { type Express, type Request, type Response } from 'express';
import { authenticate, portalOf } from './auth';
import { sendError, validation } from './errors';
import { type FaultInjector } from './faults';
import { type Hub } from './hub';
import { type LimitKind, type RateLimiter } from './ratelimit';
import { type PortalState } from './state/portal';
import { type ObjectStore } from './state/records';
import { resolveObjectType, type ObjectTypeInfo } from './state/types';

export interface Ctx {
  hub: Hub;
  limiter: RateLimiter;
  faults: FaultInjector;
}

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** "METHOD /path" → the limit kind it was registered with (the exemptions test reads it). */
export const ROUTE_LIMIT_KINDS = new Map<string, LimitKind>();

export function crm(
  app: Express,
  ctx: Ctx,
  method: Method,
  path: string,
  scopes: (req: Request) => string[],
  handler: (req: Request, res: Response) => unknown,
  kind: LimitKind = 'default',
): void {
  ROUTE_LIMIT_KINDS.set(`${method.toUpperCase()} ${path}`, kind);
  app[method](
    path,
    ctx.faults.middleware(),
    authenticate(ctx.hub, scopes),
    ctx.limiter.middleware(kind),
    async (req: Request, res: Response) => {
      try {
        await handler(req, res);
      } catch (e) {
        sendError(res, e);
      }
    },
  );
}

export function typeOf(param: string | undefined): ObjectTypeInfo {
  const t = param === undefined ? undefined : resolveObjectType(param);
  if (!t) throw validation(`Unable to infer object type from: ${param}`);
  return t;
}

/** The data of the portal the request's token belongs to. */
export const stateOf = (res: Response): PortalState => portalOf(res).state;

export function storeOf(res: Response, param: string | undefined): ObjectStore {
  return stateOf(res).stores[typeOf(param).name];
}

export const objectScope =
  (access: 'read' | 'write', param = 'objectType') =>
  (req: Request): string[] => {
    const t = resolveObjectType(String(req.params[param] ?? ''));
    return t ? [`crm.objects.${t.scopeObject ?? t.name}.${access}`] : [];
  };

/**
 * Object types without a `crm.schemas.<type>.*` scope: properties.v3.json names none for leads
 * and lists `crm.objects.leads.read/write` among the properties endpoints' scopes instead.
 */
const NO_SCHEMA_SCOPE = new Set(['leads']);

export const schemaScope =
  (access: 'read' | 'write') =>
  (req: Request): string[] => {
    const t = resolveObjectType(String(req.params.objectType ?? ''));
    if (!t) return [];
    return NO_SCHEMA_SCOPE.has(t.name)
      ? [`crm.objects.${t.name}.${access}`]
      : [`crm.schemas.${t.name}.${access}`];
  };

export function json(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').send(JSON.stringify(body));
}

/**
 * A batch answer (objects v3 and associations v4): COMPLETE with its results, and with
 * `numErrors` and `errors` when some inputs failed (the caller answers 207 then).
 */
export function batchResult(
  startedAt: string,
  results: unknown[],
  errors: unknown[] = [],
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt,
    completedAt: new Date().toISOString(),
  };
  if (errors.length) Object.assign(body, { numErrors: errors.length, errors });
  return body;
}

/**
 * A batch body's `inputs`, refused (400 VALIDATION_ERROR) when missing or longer than `max`.
 * @param unit how the limit's message names it (objects v3 says "inputs per request").
 */
export function batchInputs(req: Request, max: number, unit = ''): Array<Record<string, unknown>> {
  const inputs = (req.body as { inputs?: unknown } | undefined)?.inputs;
  if (!Array.isArray(inputs)) throw validation('Body must contain "inputs": an array.');
  if (inputs.length > max)
    throw validation(
      `Batch input size is ${inputs.length}; the maximum is ${max}${unit ? ` ${unit}` : ''}.`,
    );
  return inputs as Array<Record<string, unknown>>;
}

/** Opaque list cursors: base64url of the next record id. */
export const encodeCursor = (id: number) => Buffer.from(String(id)).toString('base64url');
export function decodeCursor(after: unknown): number {
  if (after === undefined || after === '') return 0;
  const n = Number(Buffer.from(String(after), 'base64url').toString());
  if (!Number.isInteger(n) || n < 0)
    throw validation(`Invalid paging cursor after=${String(after)}`);
  return n;
}

export function intParam(v: unknown, name: string, def: number, max: number): number {
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw validation(`${name} must be a positive integer, got ${String(v)}`);
  if (n > max) throw validation(`${name} may be at most ${max} for this request, got ${n}`);
  return n;
}

export const boolParam = (v: unknown) => String(v ?? '').toLowerCase() === 'true';
