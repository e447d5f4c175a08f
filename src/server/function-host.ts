/**
 * How a function runs inside HubSpot: build the deps from the function's secrets, call the
 * shared handler, close the store. An error is the function's result, `{ error: ErrorBody }`
 * with its code, message and hint: `hubspot.serverless` hands a returned value to the card as
 * it is, while what a thrown error's message becomes on its way to the card is not documented.
 *
 * A call keeps nothing: its state is in the store (PostgreSQL, from the DATABASE_URL secret;
 * build:hubspot leaves SQLite out of the bundles), and a long job returns `continue` with its
 * checkpoint saved, so the next call — any call, on any machine — resumes it.
 */
import { errorBody, LeadLensError, type ErrorResult } from '../errors';
import type { FunctionContext } from '../contracts/functions';
import { composeFromEnv } from './compose';
import { findHandler, handlers, type HandlerOptions } from './handlers';

/**
 * A function call's lease: HubSpot ends a call after 10 s, so a lease renewed every 5 s and
 * lapsing 20 s after its last renewal never lapses under a live call, and a killed call frees
 * the portal 20 s later.
 */
export const FUNCTION_LEASE_TTL_MS = 20_000;

/**
 * A job call's time budget in a function. Measured (test/e2e/functions.test.ts): loading the
 * bundle and opening the store take 1–1.5 s on a busy machine, and the unit of work in flight
 * when the budget ends runs on for up to ~1 s; 5 s leaves the call well inside HubSpot's 10 s.
 */
export const FUNCTION_CALL_BUDGET_MS = 5000;

export function functionOptions(): HandlerOptions {
  return {
    leaseTtlMs: FUNCTION_LEASE_TTL_MS,
    budgetMs: FUNCTION_CALL_BUDGET_MS,
    // A unit of 1,000 contacts took 3–4 s here; a quarter keeps each well under a second or so.
    scoreChunk: 250,
  };
}

export async function runFunction(name: string, context: FunctionContext): Promise<unknown> {
  try {
    const handler = findHandler(name);
    if (!handler) {
      throw new LeadLensError('NOT_FOUND', `There is no LeadLens function named ${name}.`, {
        hint: `Call one of: ${Object.keys(handlers).join(', ')}.`,
      });
    }
    const env = { ...process.env, ...(context.secrets ?? {}) };
    const deps = await composeFromEnv(env);
    try {
      return await handler(deps, context, functionOptions());
    } finally {
      await deps.close();
    }
  } catch (e) {
    const result: ErrorResult = { error: errorBody(e) };
    // HubSpot keeps a function's log lines; codes and messages carry no tokens or personal data.
    console.error(`${name} failed: ${result.error.message} [${result.error.code}]`);
    return result;
  }
}
