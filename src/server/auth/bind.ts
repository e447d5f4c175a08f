/**
 * Where the server may listen. On loopback only this machine can connect; anywhere else the
 * admin token is the only thing between the network and a full run that rewrites the CRM, so
 * it must be configured on purpose — a token generated for a laptop run does not count.
 */
import { isIP } from 'node:net';
import { LeadLensError } from '../../contracts/errors';
import type { AdminCredential } from './admin-token';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || h === '::ffff:127.0.0.1';
  return false;
}

/** Host names a loopback-bound server answers to (the DNS-rebinding guard's list). */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];

export function assertSafeBind(host: string, admin: AdminCredential | null): void {
  if (isLoopbackHost(host)) return;
  if (!admin || admin.generated) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      `Refusing to listen on ${host} without an admin token: anyone who can reach that address could read every score and start runs that rewrite the CRM.`,
      {
        hint: 'Set LEADLENS_ADMIN_TOKEN (or --admin-token-file FILE) to a random secret of 32+ characters, e.g. `openssl rand -base64 32`, or listen on 127.0.0.1 behind a reverse proxy.',
      },
    );
  }
}
