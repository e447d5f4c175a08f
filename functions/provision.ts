/** HubSpot serverless function `provision` (see src/server/handlers.ts for what it does). */
import type { FunctionContext } from '../src/contracts/functions';
import { runFunction } from '../src/server/function-host';

export const main = (context: FunctionContext = {}) => runFunction('provision', context);
