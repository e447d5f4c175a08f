/** Salesforce's REST error shape: always an array of `{message, errorCode, fields?}`. */
import { type Response } from 'express';

export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }
}

export const sessionInvalid = () =>
  new SfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
export const notFound = () =>
  new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json;charset=UTF-8').send(JSON.stringify(body));
}

export function sendSfError(res: Response, e: unknown): void {
  if (e instanceof SfError) {
    sendJson(res, e.status, [
      { message: e.message, errorCode: e.errorCode, ...(e.fields ? { fields: e.fields } : {}) },
    ]);
    return;
  }
  if (
    e &&
    typeof e === 'object' &&
    'type' in e &&
    (e as { type: string }).type === 'entity.parse.failed'
  ) {
    sendJson(res, 400, [
      { message: 'Unexpected character in the JSON body', errorCode: 'JSON_PARSER_ERROR' },
    ]);
    return;
  }
  sendJson(res, 500, [
    { message: e instanceof Error ? e.message : String(e), errorCode: 'UNKNOWN_EXCEPTION' },
  ]);
}
