/**
 * Refusals of the auth layer, in the body shape of the server's other errors:
 * `{ error: { code, message, hint? } }` — what went wrong and how to fix it, nothing about the
 * secret that was expected.
 */
import type { Response } from 'express';

export function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  extra: { hint?: string; reason?: string } = {},
): void {
  res.status(status).json({ error: { code, message, ...extra } });
}
