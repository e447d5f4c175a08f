/**
 * The admin token: the one secret that opens the self-hosted pages and the operator API.
 *
 * It comes from the environment (LEADLENS_ADMIN_TOKEN) or a file (LEADLENS_ADMIN_TOKEN_FILE /
 * --admin-token-file), never from argv, where every user of the machine can read it in the
 * process list. Candidates are compared as SHA-256 digests with timingSafeEqual: equal lengths
 * whatever was sent, so the comparison time says nothing about the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LeadLensError } from '../../contracts/errors';

/** 32 characters of a random token are ≥ 128 bits; shorter ones are guessable offline. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

export interface AdminCredential {
  /** Where the token came from, for the start-up line (never the token itself). */
  readonly source: string;
  /** True when the token was generated for a loopback-only run rather than configured. */
  readonly generated: boolean;
  matches(candidate: string | undefined | null): boolean;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export function adminCredential(token: string, source: string, generated = false): AdminCredential {
  if (token.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      `The admin token from ${source} is too weak: it needs at least ${MIN_ADMIN_TOKEN_LENGTH} characters and no spaces.`,
      {
        hint: "Generate one with `openssl rand -base64 32` (or `node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"`).",
      },
    );
  }
  const expected = digest(token);
  return {
    source,
    generated,
    matches(candidate) {
      if (typeof candidate !== 'string' || candidate.length === 0) return false;
      return timingSafeEqual(digest(candidate), expected);
    },
  };
}

function readTokenFile(file: string, what: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new LeadLensError('CONFIG_INVALID', `Cannot read ${what} file ${file}.`, {
      cause: e,
      hint: 'Check the path and that this user may read it (chmod 600, owned by the service user).',
    });
  }
  const token = text.trim();
  if (!token) {
    throw new LeadLensError('CONFIG_INVALID', `The ${what} file ${file} is empty.`, {
      hint: 'Write the secret on one line into the file.',
    });
  }
  return token;
}

/** Group- or world-readable secret files are worth a warning (ssh refuses them outright). */
export function looselyPermitted(file: string): boolean {
  if (process.platform === 'win32') return false;
  try {
    return (fs.statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

export interface AdminTokenSources {
  /** --admin-token-file */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The configured admin credential, or null when none is configured. A file wins over the
 * environment variable; both set is a configuration error (which one did the operator mean?).
 */
export function configuredAdminCredential(opts: AdminTokenSources): AdminCredential | null {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.LEADLENS_ADMIN_TOKEN_FILE;
  const inline = env.LEADLENS_ADMIN_TOKEN;
  if (file && inline) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      'Both an admin token file and LEADLENS_ADMIN_TOKEN are set.',
      { hint: 'Keep one: unset LEADLENS_ADMIN_TOKEN or drop the token file option.' },
    );
  }
  if (file) return adminCredential(readTokenFile(file, 'admin token'), `file ${file}`);
  if (inline) return adminCredential(inline, 'LEADLENS_ADMIN_TOKEN');
  return null;
}

/**
 * For a loopback-only run without a configured token (the demo, a laptop): a random token kept
 * in `file` (0600), reused while the file exists so a restart does not change it.
 */
export function generatedAdminCredential(file: string): AdminCredential {
  if (fs.existsSync(file)) {
    return adminCredential(readTokenFile(file, 'admin token'), `file ${file}`, true);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const token = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return adminCredential(token, `file ${file}`, true);
}

/** Reads any secret from a file (HubSpot token, client secret): trimmed, non-empty. */
export function readSecretFile(file: string, what: string): string {
  return readTokenFile(file, what);
}
