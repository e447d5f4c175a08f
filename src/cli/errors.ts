/** Map any error to one clear line on stderr and an exit code; never print a stack to users. */
import { isLeadLensError } from '../contracts/errors';

export function describeError(e: unknown): { message: string; code: string } {
  if (isLeadLensError(e)) return { message: e.describe(), code: e.code };
  if (
    e &&
    typeof e === 'object' &&
    'code' in e &&
    'message' in e &&
    typeof e.message === 'string'
  ) {
    const code = (e as { code: unknown }).code;
    return { message: e.message, code: typeof code === 'string' ? code : 'ERROR' };
  }
  return { message: e instanceof Error ? e.message : String(e), code: 'INTERNAL' };
}

export function reportErrorAndExit(e: unknown): never {
  const { message, code } = describeError(e);
  process.stderr.write(`leadlens: ${message} [${code}]\n`);
  if (process.env.LEADLENS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(code === 'INTERNAL' ? 70 : 1);
}
