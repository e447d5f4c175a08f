/** The control plane (no auth): faults, stats, writes, reset, seed, clock, limits, tokens. */
import express, { type Express } from 'express';
import { z } from 'zod';
import { sendJson } from '../errors';
import { type FaultInjector, type Stats } from '../faults';
import { type Org } from '../org';
import { type WriteLog } from '../writes';

export interface ControlServices {
  org: () => Org;
  faults: FaultInjector;
  stats: Stats;
  writes: WriteLog[];
  reset(): void;
  reseed(seed: string, leads: number): void;
  truth(id: string): unknown;
}

export function registerControl(app: Express, s: ControlServices): void {
  const json = express.json();
  const safe =
    (h: (req: express.Request, res: express.Response) => void) =>
    (req: express.Request, res: express.Response) => {
      try {
        h(req, res);
      } catch (e) {
        sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
      }
    };
  app.post(
    '/__emulator/faults',
    json,
    safe((req, res) => sendJson(res, 200, s.faults.set(req.body ?? {}))),
  );
  app.get('/__emulator/faults', (_req, res) => sendJson(res, 200, s.faults.faults));
  app.get('/__emulator/stats', (_req, res) =>
    sendJson(res, 200, {
      total: s.stats.total,
      byRoute: s.stats.byRoute,
      apiUsage: { used: s.org().used(), max: s.org().dailyMax },
      tokenRequests: s.org().tokenRefreshes,
      records: s.org().counts(),
    }),
  );
  app.get('/__emulator/writes', (req, res) =>
    sendJson(
      res,
      200,
      typeof req.query.object === 'string'
        ? s.writes.filter((w) => w.object.toLowerCase() === String(req.query.object).toLowerCase())
        : s.writes,
    ),
  );
  app.post('/__emulator/reset', (_req, res) => {
    s.reset();
    sendJson(res, 200, { reset: true });
  });
  app.post(
    '/__emulator/seed',
    json,
    safe((req, res) => {
      const b = z
        .object({ seed: z.string().default('demo'), leads: z.number().int().min(0) })
        .parse(req.body);
      s.reseed(b.seed, b.leads);
      sendJson(res, 200, { seeded: true, ...s.org().counts() });
    }),
  );
  app.post(
    '/__emulator/clock',
    json,
    safe((req, res) => {
      const b = z.object({ advanceMs: z.number().int().min(0) }).parse(req.body);
      s.org().clockOffsetMs += b.advanceMs;
      sendJson(res, 200, { now: new Date(s.org().now()).toISOString() });
    }),
  );
  app.post(
    '/__emulator/limits',
    json,
    safe((req, res) => {
      const b = z
        .object({
          max: z.number().int().min(0).optional(),
          used: z.number().int().min(0).optional(),
        })
        .parse(req.body);
      if (b.max !== undefined) s.org().dailyMax = b.max;
      if (b.used !== undefined) s.org().setUsage(b.used);
      sendJson(res, 200, { used: s.org().used(), max: s.org().dailyMax });
    }),
  );
  app.post('/__emulator/tokens/expire', (_req, res) =>
    sendJson(res, 200, { expired: s.org().expireAccessTokens() }),
  );
  app.get('/__emulator/truth/:id', (req, res) => {
    const t = s.truth(String(req.params.id));
    if (!t) sendJson(res, 404, { error: 'no such lead' });
    else sendJson(res, 200, t);
  });
}
