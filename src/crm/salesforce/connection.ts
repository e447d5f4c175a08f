/**
 * The jsforce Connection: API version pinned (jsforce defaults to 50.0), refresh on 401 with a
 * refresh token (authorization-code installs) or a new client-credentials token (server-to-server
 * connected apps), refreshed tokens handed to `onTokenRefresh` so the caller can keep them.
 */
import { Connection } from 'jsforce';
import { LeadLensError } from '../../contracts/errors';

export const API_VERSION = '62.0';

export interface SalesforceAuth {
  /** Bare origin, e.g. https://acme.my.salesforce.com or http://127.0.0.1:4020. */
  instanceUrl: string;
  accessToken?: string;
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
  /** Token endpoint origin; default the instance URL (My Domain). */
  loginUrl?: string;
  onTokenRefresh?: (accessToken: string) => void;
}

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

/**
 * jsforce reads http(s)_proxy at import and ignores NO_PROXY: a loopback instance (the emulator)
 * would be sent to the proxy. For loopback only, jsforce's request defaults drop the proxy.
 */
function bypassProxyForLoopback(instanceUrl: string): void {
  if (!LOOPBACK.test(instanceUrl)) return;
  const request = require('jsforce/lib/request') as {
    setDefaults(d: Record<string, unknown>): void;
  };
  request.setDefaults({
    httpProxy: undefined,
    timeout: process.env.HTTP_TIMEOUT ? parseInt(process.env.HTTP_TIMEOUT, 10) : undefined,
    followRedirect: true,
  });
}

export function connect(auth: SalesforceAuth): Connection {
  let url: URL;
  try {
    url = new URL(auth.instanceUrl);
  } catch {
    throw new LeadLensError('CONFIG_INVALID', `Not a URL: ${auth.instanceUrl}`, {
      hint: 'Give the instance URL as a bare origin, e.g. https://acme.my.salesforce.com.',
    });
  }
  if (url.pathname !== '/' || url.search)
    throw new LeadLensError(
      'CONFIG_INVALID',
      'The Salesforce instance URL must be a bare origin.',
      {
        hint: `Use ${url.origin} (jsforce's Bulk API builds URLs from the origin).`,
      },
    );
  const instanceUrl = url.origin;
  if (!auth.accessToken && !auth.refreshToken && !(auth.clientId && auth.clientSecret))
    throw new LeadLensError('CONFIG_INVALID', 'No Salesforce credentials were given.', {
      hint: 'Set SALESFORCE_ACCESS_TOKEN, or SALESFORCE_REFRESH_TOKEN with SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET, or the client id and secret alone for the client-credentials flow.',
    });
  bypassProxyForLoopback(instanceUrl);
  const oauth2 = auth.clientId
    ? {
        clientId: auth.clientId,
        clientSecret: auth.clientSecret,
        loginUrl: auth.loginUrl ?? instanceUrl,
      }
    : undefined;
  const clientCredentials = !auth.refreshToken && !!auth.clientId && !!auth.clientSecret;
  const conn = new Connection({
    instanceUrl,
    version: API_VERSION,
    ...(auth.accessToken ? { accessToken: auth.accessToken } : {}),
    ...(auth.refreshToken ? { refreshToken: auth.refreshToken } : {}),
    ...(oauth2 ? { oauth2 } : {}),
    ...(clientCredentials
      ? {
          refreshFn: (c: Connection, cb: (err?: Error, token?: string, res?: unknown) => void) => {
            c.oauth2.requestToken({ grant_type: 'client_credentials' }).then(
              (res: { access_token: string }) => cb(undefined, res.access_token, res),
              (e: Error) => cb(e),
            );
          },
        }
      : {}),
  } as never);
  if (auth.onTokenRefresh) conn.on('refresh', (token: string) => auth.onTokenRefresh?.(token));
  return conn;
}
