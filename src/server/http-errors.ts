/**
 * The HTTP edge of the error family: every failed request — a function route, the webhook
 * receiver, the workflow action, a signature check — answers `{ error: ErrorBody }` with the
 * status of its code (src/errors), so a caller parses one shape.
 */
import type { Response } from 'express';
import { errorBody, httpStatus, LeadLensError, type ErrorResult } from '../errors';
import type { Logger } from '../pipeline/deps';

/** body-parser's own errors (malformed JSON, too large) as ours. */
function fromBodyParser(e: unknown): LeadLensError | null {
  const type = (e as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') {
    return new LeadLensError('INPUT_INVALID', 'The request body is not valid JSON.', {
      hint: 'Send a JSON body with content-type application/json.',
      cause: e,
    });
  }
  if (type === 'entity.too.large') {
    return new LeadLensError('TOO_LARGE', 'The request body is too large.', {
      hint: 'Send smaller batches.',
      cause: e,
    });
  }
  return null;
}

export function sendError(res: Response, e: unknown, log?: Logger): void {
  const body: ErrorResult = { error: errorBody(fromBodyParser(e) ?? e) };
  const status = httpStatus(body.error.code);
  if (status >= 500)
    log?.error('request failed', { code: body.error.code, message: body.error.message });
  res.status(status).json(body);
}
