/** Map any error to one clear line on stderr and an exit code; never print a stack to users. */
import { describeError } from '../contracts/errors';

export { describeError };

export function reportErrorAndExit(e: unknown): never {
  const { message, code } = describeError(e);
  process.stderr.write(`leadlens: ${message} [${code}]\n`);
  if (process.env.LEADLENS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(code === 'INTERNAL' ? 70 : 1);
}
