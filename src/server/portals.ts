/**
 * One backend, many portals: the deps (portal-scoped store + a CRM client holding that
 * portal's own token) of whichever portal a signed request or a job names. Each portal's deps
 * are built once per process and kept, so its rate limiter and token cache have one owner
 * here; the install row is read on every lookup, so an uninstall made by another process is
 * seen at once (its portal answers as unknown).
 */
import type { Logger, PipelineDeps } from '../pipeline/deps';
import { PORTAL_ID_PATTERN, type StoreEngine } from '../store/port';
import { composeForPortal } from './compose';
import type { OAuthTokens } from './oauth/tokens';

export interface PortalDirectory {
  /** The portal's deps, or null when LeadLens is not installed there. */
  resolve(portalId: string): Promise<PipelineDeps | null>;
  /** Drops what this process holds for a portal (after an uninstall). */
  forget(portalId: string): void;
}

export function portalDirectory(
  engine: StoreEngine,
  opts: { log: Logger; oauth?: OAuthTokens; now?: () => number; seed?: number },
): PortalDirectory {
  const built = new Map<string, { version: string; deps: Promise<PipelineDeps> }>();
  return {
    async resolve(portalId) {
      if (!PORTAL_ID_PATTERN.test(portalId)) return null;
      const install = await engine.forPortal(portalId).getInstall();
      if (install?.status !== 'installed') {
        built.delete(portalId);
        return null;
      }
      // A new private-app token or a reinstall means a new client; an OAuth refresh does not
      // (the token source hands the client each new access token).
      const version = `${install.auth}:${install.auth === 'oauth' ? install.installedAt : install.updatedAt}`;
      const have = built.get(portalId);
      if (have?.version === version) return have.deps;
      const deps = composeForPortal(engine, portalId, opts);
      built.set(portalId, { version, deps });
      deps.catch(() => built.delete(portalId));
      return deps;
    },
    forget(portalId) {
      built.delete(portalId);
      opts.oauth?.forget(portalId);
    },
  };
}
