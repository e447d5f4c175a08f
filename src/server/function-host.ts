/**
 * How a function runs inside HubSpot: build the deps from the function's secrets, call the
 * shared handler, close the store. An error is the function's result, `{ error: ErrorBody }`
 * with its code, message and hint: `hubspot.serverless` hands a returned value to the card as
 * it is, while what a thrown error's message becomes on its way to the card is not documented.
 */
import { errorBody, LeadLensError, type ErrorResult } from '../errors';
import type { FunctionContext } from '../contracts/functions';
import { composeFromEnv } from './compose';
import { findHandler, handlers } from './handlers';

export async function runFunction(name: string, context: FunctionContext): Promise<unknown> {
  try {
    const handler = findHandler(name);
    if (!handler) {
      throw new LeadLensError('NOT_FOUND', `There is no LeadLens function named ${name}.`, {
        hint: `Call one of: ${Object.keys(handlers).join(', ')}.`,
      });
    }
    const deps = await composeFromEnv({ ...process.env, ...(context.secrets ?? {}) });
    try {
      return await handler(deps, context);
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
