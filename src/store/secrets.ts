/**
 * Secrets at rest: CRM tokens are stored encrypted with AES-256-GCM (node:crypto), under a key
 * from the environment, never in the database. Each ciphertext names its key id, so keys can
 * rotate: the first key of LEADLENS_ENCRYPTION_KEYS encrypts, every listed key decrypts, and
 * `engine.rotateSecrets()` re-encrypts old ciphertexts under the current key.
 *
 * The associated data binds a ciphertext to its portal and field: a token copied into another
 * portal's row (or into another column) does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { LeadLensError } from '../contracts/errors';

/** A plaintext secret that never prints: logs, JSON and inspection show a placeholder. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[secret]';
  }
  toJSON(): string {
    return '[secret]';
  }
  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

export interface SecretBox {
  readonly currentKeyId: string;
  encrypt(plain: string, aad: string): string;
  decrypt(envelope: string, aad: string): string;
  keyIdOf(envelope: string): string;
}

const VERSION = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const GENERATE_HINT =
  "Generate one with `node -e \"console.log('k1:' + require('crypto').randomBytes(32).toString('base64'))\"` and set LEADLENS_ENCRYPTION_KEYS=<that> (to rotate: put the new key first, keep the old ones after it, comma-separated).";

function configError(message: string): LeadLensError {
  return new LeadLensError('CONFIG_INVALID', message, { hint: GENERATE_HINT });
}

/** Parses "id:base64key,id2:base64key2" — the first key is the one that encrypts. */
export function parseKeys(spec: string): Array<{ id: string; key: Buffer }> {
  const keys = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      const id = entry.slice(0, colon);
      if (colon < 1 || !KEY_ID.test(id)) {
        throw configError('LEADLENS_ENCRYPTION_KEYS entries must look like "<key id>:<base64>".');
      }
      const key = Buffer.from(entry.slice(colon + 1), 'base64');
      if (key.length !== 32) {
        throw configError(`Encryption key "${id}" is ${key.length} bytes; AES-256 needs 32.`);
      }
      return { id, key };
    });
  if (keys.length === 0) throw configError('LEADLENS_ENCRYPTION_KEYS lists no key.');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) {
    throw configError('LEADLENS_ENCRYPTION_KEYS lists a key id twice.');
  }
  return keys;
}

export function createSecretBox(spec: string): SecretBox {
  const keys = parseKeys(spec);
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const current = keys[0];
  const b64 = (b: Buffer) => b.toString('base64url');
  return {
    currentKeyId: current.id,
    encrypt(plain, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, current.id, b64(iv), b64(cipher.getAuthTag()), b64(ct)].join(':');
    },
    decrypt(envelope, aad) {
      const parts = envelope.split(':');
      if (parts.length !== 5 || parts[0] !== VERSION) {
        throw new LeadLensError(
          'STORE_ERROR',
          'A stored secret is not in a format LeadLens reads.',
          {
            hint: 'Install the portal again so its tokens are stored afresh.',
          },
        );
      }
      const key = byId.get(parts[1]);
      if (!key) {
        throw new LeadLensError(
          'CONFIG_INVALID',
          `A stored secret was encrypted with key "${parts[1]}", which LEADLENS_ENCRYPTION_KEYS does not list.`,
          {
            hint: 'Add that key back after the current one (keys rotate; old ones must stay until `leadlens portals rotate-keys` has run).',
          },
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2], 'base64url'));
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(Buffer.from(parts[3], 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(parts[4], 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch (e) {
        throw new LeadLensError(
          'STORE_ERROR',
          'A stored secret failed its integrity check: it was altered, or belongs to another portal or field.',
          { hint: 'Install the portal again so its tokens are stored afresh.', cause: e },
        );
      }
    },
    keyIdOf: (envelope) => envelope.split(':')[1] ?? '',
  };
}

/** The box from LEADLENS_ENCRYPTION_KEYS, or null when none is configured. */
export function secretBoxFromEnv(env: NodeJS.ProcessEnv = process.env): SecretBox | null {
  const spec = env.LEADLENS_ENCRYPTION_KEYS;
  return spec ? createSecretBox(spec) : null;
}

export function requireBox(box: SecretBox | null): SecretBox {
  if (!box) throw configError('Storing CRM tokens needs an encryption key, and none is set.');
  return box;
}
