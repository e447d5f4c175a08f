/**
 * Where the adapter's access token comes from. A private app has one static token; a
 * marketplace (OAuth) install has short-lived access tokens (30 minutes) bought with a refresh
 * token, so the adapter asks its source for a token before every request and, when HubSpot
 * answers 401 anyway (expired early, revoked by a rotation elsewhere), once for a fresh one
 * before giving up. The source owns refreshing; the adapter never sees a refresh token.
 */
export interface AccessTokenSource {
  /** A token good for the next request (a source refreshes one that is about to expire). */
  current(): Promise<string>;
  /**
   * HubSpot answered 401 to `rejected`: a token to retry with (a newer one), or null when none
   * can be had — the 401 then stands.
   */
  renew(rejected: string): Promise<string | null>;
}

export function staticTokenSource(token: string): AccessTokenSource {
  return {
    current: () => Promise.resolve(token),
    renew: () => Promise.resolve(null),
  };
}
