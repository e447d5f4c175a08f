/**
 * The fault plumbing both emulators share: injected latency, a dropped connection, and the
 * per-route status counters. What each CRM answers for a fault (its error bodies, its write and
 * row-lock faults) stays in its own faults.ts.
 */
import { type NextFunction, type Request, type Response } from 'express';

/** Runs `go` after `latencyMs` (at once for 0): every injected fault waits for it first. */
export function afterLatency(latencyMs: number, go: () => void): void {
  if (latencyMs > 0) setTimeout(go, latencyMs);
  else go();
}

/** Closes the socket without an answer; the stats count it as `dropped`. */
export function dropConnection(res: Response): void {
  res.locals.dropped = true;
  res.socket?.destroy();
}

/** Answers by route and status (`dropped` for a closed socket), counted once a request ends. */
export class RouteStats {
  total = 0;
  byRoute: Record<string, Record<string, number>> = {};

  /** @param unmatched the key of a request no route matched (answered before routing). */
  constructor(private readonly unmatched: (req: Request) => string) {}

  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const done = () => {
        res.removeListener('finish', done);
        res.removeListener('close', done);
        const route = req.route ? `${req.method} ${req.route.path}` : this.unmatched(req);
        const status = res.locals.dropped ? 'dropped' : String(res.statusCode);
        this.total++;
        const r = (this.byRoute[route] ??= {});
        r[status] = (r[status] ?? 0) + 1;
      };
      res.on('finish', done);
      res.on('close', done);
      next();
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = {};
  }
}
