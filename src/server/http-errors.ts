/**
 * The HTTP edge of the error family: every failed request — a function route, the webhook
 * receiver, the workflow action, a signature check — answers `{ error: ErrorBody }` with the
 * status of its code (src/errors), so a caller parses one shape. body-parser's own errors
 * (malformed JSON, too large) never reach it: auth/body-errors.ts answers them 4xx first, and the
 * auth layer's refusals (codes of their own) go through auth/respond.ts in the same shape.
 */
import type { Response } from 'express';
import { errorBody, httpStatus, type ErrorResult } from '../errors';
import type { Logger } from '../pipeline/deps';

export function sendError(res: Response, e: unknown, log?: Logger): void {
  const body: ErrorResult = { error: errorBody(e) };
  const status = httpStatus(body.error.code);
  if (status >= 500)
    log?.error('request failed', { code: body.error.code, message: body.error.message });
  res.status(status).json(body);
}
