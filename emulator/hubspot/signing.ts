/**
 * How HubSpot signs what it sends to an app (developer docs, "Validating requests"):
 * v1 = hex SHA-256(clientSecret + body) (webhooks), v2 = hex SHA-256(clientSecret + method +
 * URI + body) (workflow actions), v3 = base64 HMAC-SHA256(clientSecret, method + URI + body +
 * timestamp) with X-HubSpot-Request-Timestamp. Written here again on purpose: the emulator
 * must not share the receiver's code, or a shared mistake would verify itself.
 */
import { createHash, createHmac } from 'node:crypto';

export type LegacyVersion = 'v1' | 'v2';

export function signatureHeaders(
  clientSecret: string,
  method: string,
  url: string,
  body: string,
  legacy: LegacyVersion,
  timestamp = Date.now(),
): Record<string, string> {
  const legacySource =
    legacy === 'v1' ? clientSecret + body : clientSecret + method.toUpperCase() + url + body;
  return {
    'X-HubSpot-Signature': createHash('sha256').update(legacySource).digest('hex'),
    'X-HubSpot-Signature-Version': legacy,
    'X-HubSpot-Signature-v3': createHmac('sha256', clientSecret)
      .update(method.toUpperCase() + url + body + String(timestamp))
      .digest('base64'),
    'X-HubSpot-Request-Timestamp': String(timestamp),
  };
}

/** HubSpot's outgoing requests identify themselves so. */
export const HUBSPOT_USER_AGENT = 'HubSpot Connect 2.0 (http://dev.hubspot.com/)';
