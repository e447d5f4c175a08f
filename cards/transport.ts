/**
 * How the card and the settings page reach LeadLens's functions, per distribution:
 * - private (static auth): HubSpot app functions, `hubspot.serverless(name, { parameters })`;
 * - marketplace (OAuth): app functions do not exist for marketplace apps (HubSpot project
 *   components 2026.03: app-function supports distribution "private" only), so the extension
 *   calls the LeadLens backend with `hubspot.fetch`, which HubSpot's proxy signs and to which
 *   it appends the caller's portalId/userId/userEmail/appId; the URL must be listed in the
 *   app's `permittedUrls.fetch`. The backend answers the same result (or `{ error }`) a
 *   function would, so the components above this seam do not know which one they use.
 */
import type { Distribution } from './distribution';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** What the components call: the function's result, or `{ error }` (see src/errors). */
export type FunctionCaller = (
  name: string,
  options?: { parameters?: { [key: string]: Json }; propertiesToSend?: string[] },
) => Promise<unknown>;

/** The parts of the `hubspot` global this seam uses (injectable in tests). */
export interface HubSpotRuntime {
  serverless(
    name: string,
    options?: { parameters?: { [key: string]: Json }; propertiesToSend?: string[] },
  ): Promise<unknown>;
  fetch(
    url: string,
    options?: { method?: 'POST'; timeout?: number; body?: { [key: string]: unknown } },
  ): Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;
}

/** hubspot.fetch waits at most 15 s by default; a scoring refresh stays well under it. */
const FETCH_TIMEOUT_MS = 15_000;

export function functionCaller(
  distribution: Distribution,
  hubspot: HubSpotRuntime,
): FunctionCaller {
  if (distribution.kind === 'private') {
    return (name, options) => hubspot.serverless(name, options);
  }
  const base = distribution.backendUrl.replace(/\/+$/, '');
  return async (name, options) => {
    const res = await hubspot.fetch(`${base}/hubspot/functions/${encodeURIComponent(name)}`, {
      method: 'POST',
      timeout: FETCH_TIMEOUT_MS,
      body: { parameters: options?.parameters ?? {} },
    });
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    if (body !== null && typeof body === 'object') return body;
    return {
      error: {
        code: 'UNAVAILABLE',
        message: `The LeadLens server answered ${res.status} without a result.`,
        hint: 'Try again in a minute; if it persists, the LeadLens backend may be down.',
      },
    };
  };
}
