import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deadlineAgent } from './deadline';

/** Holds the event loop the way a training run does: no timer or socket event runs meanwhile. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* spin */
  }
}

function get(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function server(keepAliveTimeoutMs: number) {
  let connections = 0;
  const s = http.createServer((_req, res) => res.end('ok'));
  s.keepAliveTimeout = keepAliveTimeoutMs;
  s.on('connection', () => connections++);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
  return {
    url,
    connections: () => connections,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

describe('deadlineAgent keep-alive', () => {
  it('reuses an idle socket while it is fresh', async () => {
    const srv = await server(5_000);
    const agent = deadlineAgent(srv.url, { freeSocketTimeoutMs: 2_000 });
    try {
      expect(await get(srv.url, agent)).toBe(200);
      expect(await get(srv.url, agent)).toBe(200);
      expect(srv.connections()).toBe(1);
    } finally {
      agent.destroy();
      await srv.close();
    }
  });

  it('does not hand a request a socket idle past the limit, even after a busy event loop', async () => {
    // The server drops idle connections after 2 s (it says `Keep-Alive: timeout=2`; a shorter
    // one Node's agent already refuses to pool). The event loop is then held for 2.3 s, so
    // neither side's timer has run when the next request picks a socket: a plain keep-alive
    // agent writes on the socket the server is closing (ECONNRESET, a retry, an extra API call).
    const srv = await server(2_000);
    const agent = deadlineAgent(srv.url, { freeSocketTimeoutMs: 500 });
    try {
      expect(await get(srv.url, agent)).toBe(200);
      busy(2_300);
      expect(await get(srv.url, agent)).toBe(200);
      expect(srv.connections()).toBe(2);
    } finally {
      agent.destroy();
      await srv.close();
    }
  });
});
