/** The CLI's edge: any error → one clear line on stderr and an exit status; never a stack. */
import { errorBody, exitStatus } from '../errors';

/** "leadlens: what went wrong. How to fix it. [CODE]" */
function errorLine(e: unknown): string {
  const body = errorBody(e);
  return `leadlens: ${body.message}${body.hint ? ` ${body.hint}` : ''} [${body.code}]`;
}

export function reportErrorAndExit(e: unknown): never {
  process.stderr.write(`${errorLine(e)}\n`);
  if (process.env.LEADLENS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(exitStatus(errorBody(e).code));
}
