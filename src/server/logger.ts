/**
 * Structured logs (pino) on stderr. Tokens, secrets and personal data never reach a log line:
 * known secret-bearing keys are redacted, and callers log ids and counts, not record values.
 */
import pino from 'pino';
import type { Logger } from '../pipeline/deps';

export function createLogger(
  opts: { level?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  const base = pino(
    {
      level: opts.level ?? process.env.LEADLENS_LOG_LEVEL ?? 'info',
      base: undefined,
      redact: {
        paths: [
          'token',
          'accessToken',
          'authorization',
          'headers.authorization',
          'clientSecret',
          'secret',
          'email',
          'userEmail',
          'properties.email',
          'cookie',
          'headers.cookie',
          'signature',
          'password',
          'adminToken',
          'sessionId',
          'csrfToken',
          '*.token',
          '*.accessToken',
          '*.email',
          '*.userEmail',
          '*.cookie',
          'refreshToken',
          '*.refreshToken',
          'databaseUrl',
          'encryptionKeys',
        ],
        censor: '[redacted]',
      },
    },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination(2),
  );
  return {
    info: (msg, fields) => base.info(fields ?? {}, msg),
    warn: (msg, fields) => base.warn(fields ?? {}, msg),
    error: (msg, fields) => base.error(fields ?? {}, msg),
  };
}
