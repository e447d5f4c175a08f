/**
 * Uninstalling a portal. What HubSpot sends when a customer uninstalls a marketplace app: no
 * request to the app. The webhooks component (targetUrl push) has no uninstall subscription
 * (project webhooks reference: crmObjects, legacyCrmObjects, hubEvents); the app-uninstall API
 * guide says only that admins get an e-mail and the app's webhooks are unsubscribed. HubSpot
 * records APP_UNINSTALL in the webhooks *journal* (subscriptionType APP_LIFECYCLE_EVENT,
 * actions APP_INSTALL/APP_UNINSTALL; webhooks-journal create-subscription reference, 2026-03),
 * which an app polls with a client-credentials token — not a call to us. So LeadLens learns of
 * an uninstall in two ways, both handled here:
 *  - the operator (or the customer through support) uninstalls from our side: the admin route
 *    calls DELETE /appinstalls/v3/external-install with the portal's token, then cleans up;
 *  - the customer uninstalled in HubSpot: the next token refresh answers BAD_REFRESH_TOKEN and
 *    the token source marks the portal uninstalled (tokens.ts), with the same clean-up.
 * Clean-up: tokens erased (markUninstalled), the process's cached token dropped, the portal's
 * queued jobs cancelled; scheduled runs stop because workers schedule installed portals only.
 * The portal's data stays until deleted.
 */
import { LeadLensError } from '../../errors';
import type { Logger } from '../../pipeline/deps';
import type { StoreEngine } from '../../store/port';
import type { HubSpotOAuthApi } from './hubspot-oauth';
import type { OAuthTokens } from './tokens';

export interface UninstallDeps {
  engine: StoreEngine;
  log: Logger;
  now?: () => number;
  /** OAuth installs: the token source and HubSpot's API, to uninstall in HubSpot too. */
  oauth?: { tokens: OAuthTokens; api: HubSpotOAuthApi };
  /** Cancels the portal's queued jobs (PostgreSQL job engine); returns how many. */
  cancelJobs?(portalId: string): Promise<number>;
}

export interface UninstallResult {
  portalId: string;
  /** HubSpot confirmed the uninstall (204), or it had already happened there. */
  uninstalledInHubSpot: boolean;
  jobsCancelled: number;
}

export async function uninstallPortal(
  deps: UninstallDeps,
  portalId: string,
): Promise<UninstallResult> {
  const store = deps.engine.forPortal(portalId);
  const install = await store.getInstall();
  if (!install) {
    throw new LeadLensError('NOT_FOUND', `No install of LeadLens for portal ${portalId}.`, {
      hint: 'List installs with `leadlens portals list`.',
    });
  }
  let uninstalledInHubSpot = false;
  if (install.status === 'installed' && install.auth === 'oauth' && deps.oauth) {
    try {
      const token = await deps.oauth.tokens.sourceFor(portalId).current();
      await deps.oauth.api.uninstall(token);
      uninstalledInHubSpot = true;
    } catch (e) {
      // Already gone in HubSpot (refresh refused: the token source marked it) — go on.
      if (!(e instanceof LeadLensError && e.code === 'CRM_AUTH')) throw e;
      uninstalledInHubSpot = true;
    }
  }
  const now = new Date((deps.now ?? Date.now)()).toISOString();
  if ((await store.getInstall())?.status === 'installed') await store.markUninstalled(now);
  deps.oauth?.tokens.forget(portalId);
  const jobsCancelled = deps.cancelJobs ? await deps.cancelJobs(portalId) : 0;
  deps.log.info('portal uninstalled', { portal: portalId, uninstalledInHubSpot, jobsCancelled });
  return { portalId, uninstalledInHubSpot, jobsCancelled };
}
