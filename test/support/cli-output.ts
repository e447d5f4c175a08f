/**
 * What a `leadlens` CLI command prints on stdout, run in-process (commander with exitOverride),
 * stdout restored whatever happens.
 */
import { buildProgram } from '../../src/cli/main';

/** The command's stdout and commander's own output (help, version), in order. */
export async function cliInProcess(args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  try {
    await buildProgram(['node', 'leadlens', ...args])
      .exitOverride()
      .configureOutput({ writeOut: (s) => void out.push(s) })
      .parseAsync(['node', 'leadlens', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

/** A command's stdout and stderr, run in-process; both restored whatever happens. */
export async function cliCaptured(args: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c) => {
    out.push(String(c));
    return true;
  });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c) => {
    err.push(String(c));
    return true;
  });
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'leadlens', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { out: out.join(''), err: err.join('') };
}

/** As `cliInProcess`, with `token` in the environment for the command only. */

export async function cliOutput(args: string[], token: string): Promise<string> {
  const printed: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  process.env.HUBSPOT_ACCESS_TOKEN = token;
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'leadlens', ...args]);
  } finally {
    spy.mockRestore();
    delete process.env.HUBSPOT_ACCESS_TOKEN;
  }
  return printed.join('');
}
