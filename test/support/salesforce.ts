/**
 * Salesforce test plumbing: the emulator's control plane, and jsforce talking to 127.0.0.1
 * directly. jsforce reads http(s)_proxy when it is first imported and ignores NO_PROXY, so the
 * variables are removed here and its request defaults reset (the adapter does the same for
 * loopback instance URLs; a raw Connection in a test needs it too).
 */
for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];
(require('jsforce/lib/request') as { setDefaults(d: Record<string, unknown>): void }).setDefaults({
  followRedirect: true,
});

export async function control<T = unknown>(url: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface SfStats {
  total: number;
  byRoute: Record<string, Record<string, number>>;
  apiUsage: { used: number; max: number };
  tokenRequests: number;
}

export const stats = (url: string) => control<SfStats>(url, '/__emulator/stats');

/** Requests answered on routes whose key matches `re`, by status. */
export function callsOn(s: SfStats, re: RegExp): number {
  return Object.entries(s.byRoute)
    .filter(([route]) => re.test(route))
    .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
}
