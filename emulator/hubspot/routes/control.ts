/** The control plane under /__emulator: faults, stats, writes, tokens, reset, seed, truth. */
import express, { type Express } from 'express';
import { z } from 'zod';
import { errorBody, HubSpotHttpError, validation } from '../errors';
import { type Stats } from '../faults';
import { json, typeOf, type Ctx } from '../routing';

export interface ControlHooks {
  stats: Stats;
  reset(): void;
  reseed(seed: string, contacts: number): void;
  truth(id: string): unknown;
}

const SeedSchema = z
  .object({
    seed: z.union([z.string(), z.number()]).optional(),
    contacts: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();
const TokenSchema = z
  .object({
    token: z.string().min(1),
    scopes: z.array(z.string()).optional(),
    expired: z.boolean().optional(),
  })
  .strict();

export function registerControl(
  app: Express,
  ctx: Ctx,
  hooks: ControlHooks,
  current: () => { seed: string; contacts: number },
): void {
  const r = express.Router();
  const handle =
    (fn: (req: express.Request, res: express.Response) => void) =>
    (req: express.Request, res: express.Response) => {
      try {
        fn(req, res);
      } catch (e) {
        const err =
          e instanceof z.ZodError
            ? validation(e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
            : e;
        const h =
          err instanceof HubSpotHttpError
            ? err
            : new HubSpotHttpError(500, 'INTERNAL_ERROR', String(err));
        json(res, h.status, errorBody(h));
      }
    };
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
      json(res, 200, { total: hooks.stats.total, byRoute: hooks.stats.byRoute }),
    ),
  );
  r.get(
    '/writes',
    handle((req, res) => {
      const type = typeOf(String(req.query.objectType ?? 'contacts'));
      const byId = ctx.state().writes.get(type.name) ?? new Map();
      json(res, 200, { objectType: type.name, writes: Object.fromEntries(byId) });
    }),
  );
  r.post(
    '/tokens',
    handle((req, res) => {
      const t = TokenSchema.parse(req.body);
      ctx.tokens.set(t.token, {
        scopes: t.scopes ? new Set(t.scopes) : null,
        expired: t.expired ?? false,
      });
      json(res, 200, { token: '(set)', scopes: t.scopes ?? 'all', expired: t.expired ?? false });
    }),
  );
  r.post(
    '/reset',
    handle((_req, res) => {
      hooks.reset();
      json(res, 200, { ok: true, ...current() });
    }),
  );
  r.post(
    '/seed',
    handle((req, res) => {
      const s = SeedSchema.parse(req.body ?? {});
      hooks.reseed(String(s.seed ?? current().seed), s.contacts ?? current().contacts);
      json(res, 200, { ok: true, ...current() });
    }),
  );
  r.get(
    '/truth/:contactId',
    handle((req, res) => {
      const t = hooks.truth(req.params.contactId);
      if (!t)
        throw new HubSpotHttpError(
          404,
          'OBJECT_NOT_FOUND',
          `No ground truth for contact ${req.params.contactId}.`,
        );
      json(res, 200, t);
    }),
  );
  app.use('/__emulator', r);
}
