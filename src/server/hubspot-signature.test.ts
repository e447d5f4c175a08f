import { Signature } from '@hubspot/api-client';
import {
  SIGNATURE_MAX_AGE_MS,
  decodeSignedUri,
  sign,
  signV3,
  verifySignature,
  type SignedRequest,
} from './hubspot-signature';

const SECRET = 'test-client-secret-9f1c';
const body = JSON.stringify([{ eventId: 1, subscriptionType: 'contact.propertyChange' }]);

describe('hubspot-signature', () => {
  const now = Date.now();
  const req: SignedRequest = {
    method: 'POST',
    url: 'https://leadlens.example.com/webhooks/hubspot?portal=42',
    rawBody: body,
    timestamp: now,
  };

  it.each(['v1', 'v2', 'v3'] as const)(
    '%s signatures are accepted by the SDK Signature.isValid',
    (v) => {
      const signature = sign(v, SECRET, req);
      expect(
        Signature.isValid({
          signatureVersion: v,
          signature,
          clientSecret: SECRET,
          requestBody: body,
          url: req.url,
          method: 'POST',
          timestamp: now,
        }),
      ).toBe(true);
      expect(verifySignature(v, SECRET, req, signature, now)).toEqual({ ok: true });
    },
  );

  it('v3 verification rejects a wrong secret, a changed body and a changed URL', () => {
    const good = signV3(SECRET, req);
    expect(verifySignature('v3', 'other-secret', req, good, now)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifySignature('v3', SECRET, { ...req, rawBody: body + ' ' }, good, now)).toMatchObject(
      { ok: false, reason: 'mismatch' },
    );
    expect(
      verifySignature('v3', SECRET, { ...req, url: req.url + '&x=1' }, good, now),
    ).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verifySignature('v3', SECRET, req, good.slice(0, -2), now)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('v3 enforces the five-minute window in both directions and needs a timestamp', () => {
    const old = { ...req, timestamp: now - SIGNATURE_MAX_AGE_MS - 1 };
    expect(verifySignature('v3', SECRET, old, signV3(SECRET, old), now)).toMatchObject({
      ok: false,
      reason: 'stale',
    });
    const future = { ...req, timestamp: now + SIGNATURE_MAX_AGE_MS + 1 };
    expect(verifySignature('v3', SECRET, future, signV3(SECRET, future), now)).toMatchObject({
      ok: false,
      reason: 'stale',
    });
    const edge = { ...req, timestamp: now - SIGNATURE_MAX_AGE_MS + 1000 };
    expect(verifySignature('v3', SECRET, edge, signV3(SECRET, edge), now)).toEqual({ ok: true });
    expect(verifySignature('v3', SECRET, { ...req, timestamp: undefined }, 'x', now)).toMatchObject(
      { ok: false, reason: 'bad_timestamp' },
    );
    expect(verifySignature('v3', SECRET, req, undefined, now)).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });

  it('decodes the URI characters HubSpot decodes before signing', () => {
    expect(decodeSignedUri('https://h/p%3Fa%3Ab%40c%2Cd%28e%29')).toBe('https://h/p?a:b@c,d(e)');
    const encoded = { ...req, url: 'https://h/hook%3Fa%3D1' };
    const plain = { ...req, url: 'https://h/hook?a%3D1' };
    expect(signV3(SECRET, encoded)).toBe(signV3(SECRET, plain));
  });
});
