/**
 * How a function runs inside HubSpot: build the deps from the function's secrets, call the
 * shared handler, close the store. A thrown error becomes the function's error message
 * (HubSpot shows it to the card), with the code and how to fix it.
 */
import { describeError } from '../contracts/errors';
import type { FunctionContext } from '../contracts/functions';
import { composeFromEnv } from './compose';
import { handlers } from './handlers';

export async function runFunction(name: string, context: FunctionContext): Promise<unknown> {
  const handler = handlers[name];
  if (!handler) throw new Error(`Unknown function ${name}.`);
  let deps: Awaited<ReturnType<typeof composeFromEnv>> | null = null;
  try {
    deps = await composeFromEnv({ ...process.env, ...(context.secrets ?? {}) });
    return await handler(deps, context);
  } catch (e) {
    const { message, code } = describeError(e);
    throw new Error(`${message} [${code}]`);
  } finally {
    await deps?.close();
  }
}
