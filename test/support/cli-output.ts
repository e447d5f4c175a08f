/**
 * What a `leadlens` CLI command prints on stdout, run in-process (commander with exitOverride):
 * the token in the environment for the command only, stdout restored whatever happens.
 */
import { buildProgram } from '../../src/cli/main';

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
