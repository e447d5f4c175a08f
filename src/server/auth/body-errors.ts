/**
 * Body-parser failures are the client's, so they answer 4xx — never 500, which HubSpot would
 * retry for a day (a webhook body that is too large is too large on every retry). Mounted
 * after the routes, before the server's general error handler; everything else passes on.
 */
import type { NextFunction, Request, Response } from 'express';
import { sendError } from './respond';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  limit?: number;
  length?: number;
  message?: string;
}

export function bodyErrors(e: unknown, _req: Request, res: Response, next: NextFunction) {
  const err = (e ?? {}) as BodyParserError;
  switch (err.type) {
    case 'entity.too.large':
      sendError(
        res,
        413,
        'PAYLOAD_TOO_LARGE',
        `The request body is larger than this route accepts (${err.limit} bytes).`,
        {
          hint: 'Send a smaller body; HubSpot webhook batches and hubspot.fetch bodies stay under 1 MB.',
        },
      );
      return;
    case 'entity.parse.failed':
      sendError(res, 400, 'INPUT_INVALID', 'The request body is not valid JSON.', {
        hint: 'Send a JSON object, e.g. {"parameters":{}}.',
      });
      return;
    case 'encoding.unsupported':
    case 'charset.unsupported':
      sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', err.message ?? 'Unsupported body encoding.', {
        hint: 'Send UTF-8 JSON without a content encoding other than gzip, deflate or br.',
      });
      return;
    case 'request.aborted':
    case 'request.size.invalid':
      sendError(res, 400, 'INPUT_INVALID', 'The request body was cut short.', {
        hint: 'Send the whole body with a correct Content-Length.',
      });
      return;
  }
  // Other client errors raised as http-errors (status 4xx and safe to show).
  if (
    err.expose === true &&
    typeof err.status === 'number' &&
    err.status >= 400 &&
    err.status < 500
  ) {
    sendError(res, err.status, 'BAD_REQUEST', err.message ?? 'Bad request.');
    return;
  }
  next(e);
}
