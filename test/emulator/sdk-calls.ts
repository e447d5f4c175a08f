/**
 * What the emulator tests share: the error the real @hubspot/api-client throws for a non-2xx
 * answer, taken from a call that must fail, and the emulator's control plane (/__emulator).
 */

/** The SDK's error for a non-2xx answer: the status, the parsed JSON body, the headers. */
export interface SdkError {
  code: number;
  body: {
    status?: string;
    category?: string;
    message?: string;
    policyName?: string;
    correlationId?: string;
    errors?: Array<{ code?: string; context?: Record<string, string[]> }>;
  };
  headers: Record<string, string>;
}

/** The error a call threw; the test fails if it succeeded. */
export async function failure(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (e) {
    return e as SdkError;
  }
  throw new Error('expected the call to fail');
}

/** POST to the emulator's control plane; a refusal fails the test with what it said. */
export const control = (url: string, p: string, body: unknown) =>
  fetch(`${url}/__emulator${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (r) => {
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, unknown>>;
  });
