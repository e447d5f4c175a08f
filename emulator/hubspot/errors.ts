/** HubSpot's error body, and the error type route handlers throw to produce it. */
import { randomUUID } from 'node:crypto';
import { type Response } from 'express';

export interface ErrorDetail {
  message: string;
  code?: string;
  in?: string;
  subCategory?: string;
  context?: Record<string, string[]>;
}

export class HubSpotHttpError extends Error {
  constructor(
    readonly status: number,
    readonly category: string,
    message: string,
    readonly extra: {
      errors?: ErrorDetail[];
      context?: Record<string, string[]>;
      links?: Record<string, string>;
      subCategory?: string;
    } = {},
  ) {
    super(message);
    this.name = 'HubSpotHttpError';
  }
}

export const validation = (message: string, errors?: ErrorDetail[]) =>
  new HubSpotHttpError(400, 'VALIDATION_ERROR', message, errors ? { errors } : {});

export const notFound = (message = 'Resource not found') =>
  new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', message);

export function errorBody(
  e: HubSpotHttpError,
  correlationId: string = randomUUID(),
): Record<string, unknown> {
  return {
    status: 'error',
    message: e.message,
    correlationId,
    category: e.category,
    ...(e.extra.subCategory ? { subCategory: e.extra.subCategory } : {}),
    ...(e.extra.errors ? { errors: e.extra.errors } : {}),
    ...(e.extra.context ? { context: e.extra.context } : {}),
    ...(e.extra.links ? { links: e.extra.links } : {}),
  };
}

export function sendError(res: Response, e: unknown): void {
  const err =
    e instanceof HubSpotHttpError
      ? e
      : e instanceof SyntaxError
        ? validation(`Invalid input JSON: ${e.message}`)
        : new HubSpotHttpError(500, 'INTERNAL_ERROR', 'internal error in the emulator');
  if (err.status >= 500 && !(e instanceof HubSpotHttpError)) console.error('[emulator]', e);
  res
    .status(err.status)
    .type('application/json')
    .send(JSON.stringify(errorBody(err, correlationIdOf(res))));
}

/**
 * Every answer carries X-HubSpot-Correlation-Id (seen on real responses, e.g. in
 * HubSpot/hubspot-api-python#143); an error body repeats it as `correlationId`.
 */
export function correlationIdOf(res: Response): string {
  let id = res.locals.correlationId as string | undefined;
  if (!id) {
    id = randomUUID();
    res.locals.correlationId = id;
    if (!res.headersSent) res.setHeader('X-HubSpot-Correlation-Id', id);
  }
  return id;
}

/** A batch error entry (StandardError): every field the spec marks required is present. */
export function standardError(
  category: string,
  message: string,
  context: Record<string, string[]>,
  subCategory?: string,
) {
  return {
    status: 'error',
    category,
    ...(subCategory ? { subCategory } : {}),
    message,
    context,
    errors: [],
    links: {},
  };
}
