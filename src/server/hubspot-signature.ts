/**
 * HubSpot request signatures (webhooks, workflow actions, app-function endpoints).
 *
 * v3 = base64(HMAC-SHA256(clientSecret, method + decodedUri + rawBody + timestamp)) with a
 * five-minute replay window; v1/v2 are unkeyed SHA-256 hex digests kept for older senders.
 * Comparison is constant-time so a forger cannot learn the digest byte by byte.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { LeadLensError } from '../errors';
import { sendError } from './http-errors';

export const SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000;

export type SignatureVersion = 'v1' | 'v2' | 'v3';

export interface SignedRequest {
  method: string;
  /** The full URL HubSpot called, e.g. https://leadlens.example.com/webhooks?x=1. */
  url: string;
  rawBody: string;
  /** Epoch milliseconds from X-HubSpot-Request-Timestamp (v3 only). */
  timestamp?: number;
}

/**
 * HubSpot decodes these escapes in the URI before signing (developer docs, "Validating
 * requests", v3); a proxy or client that percent-encodes them must not break verification.
 */
const DECODED_IN_URI: ReadonlyArray<[RegExp, string]> = [
  [/%3A/gi, ':'],
  [/%2F/gi, '/'],
  [/%3F/gi, '?'],
  [/%40/gi, '@'],
  [/%21/gi, '!'],
  [/%24/gi, '$'],
  [/%27/gi, "'"],
  [/%28/gi, '('],
  [/%29/gi, ')'],
  [/%2A/gi, '*'],
  [/%2C/gi, ','],
  [/%3B/gi, ';'],
];

export function decodeSignedUri(uri: string): string {
  return DECODED_IN_URI.reduce((u, [re, ch]) => u.replace(re, ch), uri);
}

export function signV1(clientSecret: string, rawBody: string): string {
  return createHash('sha256')
    .update(clientSecret + rawBody)
    .digest('hex');
}

export function signV2(clientSecret: string, req: SignedRequest): string {
  return createHash('sha256')
    .update(clientSecret + req.method.toUpperCase() + req.url + req.rawBody)
    .digest('hex');
}

export function signV3(clientSecret: string, req: SignedRequest): string {
  if (req.timestamp === undefined) {
    throw new LeadLensError('SIGNATURE_INVALID', 'A v3 signature needs the request timestamp.', {
      hint: 'Pass the X-HubSpot-Request-Timestamp header value (epoch milliseconds).',
    });
  }
  const source = req.method.toUpperCase() + decodeSignedUri(req.url) + req.rawBody + req.timestamp;
  return createHmac('sha256', clientSecret).update(source).digest('base64');
}

export function sign(version: SignatureVersion, clientSecret: string, req: SignedRequest): string {
  if (version === 'v1') return signV1(clientSecret, req.rawBody);
  if (version === 'v2') return signV2(clientSecret, req);
  return signV3(clientSecret, req);
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  // timingSafeEqual throws on length mismatch; compare against itself to keep timing flat.
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

export type VerifyFailure = 'missing' | 'mismatch' | 'stale' | 'bad_timestamp';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure; message: string };

/**
 * Verifies a signature of the given version. For v3 the timestamp must lie within
 * SIGNATURE_MAX_AGE_MS of `now` (either direction, so clock skew cannot extend the window).
 */
export function verifySignature(
  version: SignatureVersion,
  clientSecret: string,
  req: SignedRequest,
  signature: string | undefined,
  now: number,
): VerifyResult {
  if (!signature) {
    return { ok: false, reason: 'missing', message: `The ${version} signature header is missing.` };
  }
  if (version === 'v3') {
    if (req.timestamp === undefined || !Number.isFinite(req.timestamp)) {
      return {
        ok: false,
        reason: 'bad_timestamp',
        message: 'X-HubSpot-Request-Timestamp is missing or not epoch milliseconds.',
      };
    }
    if (Math.abs(now - req.timestamp) > SIGNATURE_MAX_AGE_MS) {
      return {
        ok: false,
        reason: 'stale',
        message: `The request timestamp is more than ${SIGNATURE_MAX_AGE_MS / 60000} minutes from now; it may be a replay.`,
      };
    }
  }
  const expected = sign(version, clientSecret, req);
  return constantTimeEqual(expected, signature)
    ? { ok: true }
    : {
        ok: false,
        reason: 'mismatch',
        message: `The ${version} signature does not match the request.`,
      };
}

/** What an express route needs to check a HubSpot v3 signature. */
export interface HubSpotVerifyOptions {
  clientSecret: string;
  now?: () => number;
  /**
   * The public origin HubSpot calls (e.g. https://leadlens.example.com) when a proxy rewrites
   * Host or scheme; without it the URL is rebuilt from the request (honours `trust proxy`).
   */
  publicBaseUrl?: string;
}

interface RequestLike {
  method: string;
  originalUrl: string;
  protocol: string;
  get(name: string): string | undefined;
}

export function signedUrlOf(req: RequestLike, publicBaseUrl?: string): string {
  const base = publicBaseUrl
    ? publicBaseUrl.replace(/\/+$/, '')
    : `${req.protocol}://${req.get('host') ?? ''}`;
  return base + req.originalUrl;
}

/** Verifies the v3 headers of an express request whose body was read raw. */
export function verifyHubSpotRequest(
  req: RequestLike,
  rawBody: string,
  opts: HubSpotVerifyOptions,
): VerifyResult {
  const tsHeader = req.get('x-hubspot-request-timestamp');
  const timestamp = tsHeader !== undefined && /^\d+$/.test(tsHeader) ? Number(tsHeader) : undefined;
  return verifySignature(
    'v3',
    opts.clientSecret,
    { method: req.method, url: signedUrlOf(req, opts.publicBaseUrl), rawBody, timestamp },
    req.get('x-hubspot-signature-v3'),
    (opts.now ?? Date.now)(),
  );
}

/**
 * Express handlers for a signed HubSpot POST: read the body raw (the signature covers the exact
 * bytes), verify it, and leave the text in `res.locals.rawBody` for the route. Mount before any
 * JSON parser.
 */
export function signedHubSpotBody(opts: HubSpotVerifyOptions & { limit: string }) {
  return [
    express.raw({ type: () => true, limit: opts.limit }),
    (req: Request, res: Response, next: NextFunction) => {
      if (!Buffer.isBuffer(req.body)) {
        sendError(
          res,
          new LeadLensError(
            'INTERNAL',
            'The request body was parsed before signature verification.',
            { hint: 'Mount the HubSpot routers before any express.json() middleware.' },
          ),
        );
        return;
      }
      const rawBody = req.body.toString('utf8');
      const verdict = verifyHubSpotRequest(req, rawBody, opts);
      if (!verdict.ok) {
        sendError(
          res,
          new LeadLensError('SIGNATURE_INVALID', verdict.message, {
            hint: 'Check that the app client secret matches and the sender clock is correct.',
            details: { reason: verdict.reason },
          }),
        );
        return;
      }
      res.locals.rawBody = rawBody;
      next();
    },
  ];
}
