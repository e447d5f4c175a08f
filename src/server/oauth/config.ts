/**
 * The marketplace app's OAuth settings. HubSpot's OAuth guide: the install sends the user to
 * https://app.hubspot.com/oauth/authorize?client_id&redirect_uri&scope[&optional_scope]&state,
 * HubSpot redirects to redirect_uri?code&state, and the backend buys tokens at
 * POST https://api.hubapi.com/oauth/v1/token (form-encoded). The redirect URL must be one the
 * app lists (app-hsmeta.json `auth.redirectUrls`), and the scope list must name every required
 * scope of the app (`auth.requiredScopes`).
 */
import { z } from 'zod';
import { LeadLensError } from '../../errors';

/**
 * The scopes the marketplace app asks for: the private app's (app/app-hsmeta.json, kept equal
 * by a test) plus `oauth`, which the app-uninstall API needs (app uninstalls API guide:
 * "authenticated with an OAuth access token that includes the oauth scope").
 */
export const MARKETPLACE_SCOPES = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
  'crm.objects.leads.read',
  'crm.objects.leads.write',
  'automation',
  'oauth',
] as const;

export const OAUTH_CALLBACK_PATH = '/oauth/callback';
export const OAUTH_INSTALL_PATH = '/oauth/install';

export interface OAuthAppConfig {
  clientId: string;
  clientSecret: string;
  /** `<public URL>/oauth/callback`: one of the app's redirect URLs. */
  redirectUri: string;
  scopes: readonly string[];
  optionalScopes: readonly string[];
  /** HubSpot's consent page (the emulator serves the same path). */
  authorizeUrl: string;
  /** HubSpot's API: the token endpoint and the CRM APIs of every install. */
  apiBaseUrl: string;
}

const EnvSchema = z.object({
  HUBSPOT_CLIENT_ID: z.string().min(1),
  HUBSPOT_OAUTH_AUTHORIZE_URL: z.url().default('https://app.hubspot.com/oauth/authorize'),
  HUBSPOT_API_BASE_URL: z.url().default('https://api.hubapi.com'),
  HUBSPOT_SCOPES: z.string().optional(),
});

/**
 * The OAuth settings from the environment; null when HUBSPOT_CLIENT_ID is not set. The install
 * flow needs the public URL (the redirect URL is built from it); a worker, which only refreshes
 * tokens, does not.
 */
export function oauthConfigFromEnv(
  env: NodeJS.ProcessEnv,
  opts: { clientSecret: string; publicUrl: string | undefined; needsRedirect: boolean },
): OAuthAppConfig | null {
  if (!env.HUBSPOT_CLIENT_ID) return null;
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new LeadLensError('CONFIG_INVALID', 'The marketplace OAuth settings are not valid.', {
      hint: 'Check HUBSPOT_CLIENT_ID, HUBSPOT_OAUTH_AUTHORIZE_URL and HUBSPOT_API_BASE_URL (URLs).',
      details: { issue: parsed.error.issues[0]?.message },
    });
  }
  if (opts.needsRedirect && !opts.publicUrl) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      'The marketplace app needs the server’s public URL.',
      {
        hint: 'Pass --public-url https://your-leadlens-host: HubSpot redirects installs to <public URL>/oauth/callback.',
      },
    );
  }
  const e = parsed.data;
  return {
    clientId: e.HUBSPOT_CLIENT_ID,
    clientSecret: opts.clientSecret,
    redirectUri: opts.publicUrl ? opts.publicUrl.replace(/\/+$/, '') + OAUTH_CALLBACK_PATH : '',
    scopes: e.HUBSPOT_SCOPES
      ? e.HUBSPOT_SCOPES.split(/[\s,]+/).filter(Boolean)
      : [...MARKETPLACE_SCOPES],
    optionalScopes: [],
    authorizeUrl: e.HUBSPOT_OAUTH_AUTHORIZE_URL,
    apiBaseUrl: e.HUBSPOT_API_BASE_URL.replace(/\/+$/, ''),
  };
}

/** The consent URL a browser is sent to; `state` comes back with the code. */
export function authorizeUrl(cfg: OAuthAppConfig, state: string): string {
  const url = new URL(cfg.authorizeUrl);
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('redirect_uri', cfg.redirectUri);
  url.searchParams.set('scope', cfg.scopes.join(' '));
  if (cfg.optionalScopes.length)
    url.searchParams.set('optional_scope', cfg.optionalScopes.join(' '));
  url.searchParams.set('state', state);
  return url.toString();
}
