/**
 * The `leadlens` command. Each sub-command lives in `commands/<name>.ts` and exports
 * `register(program)`; this file only wires them and maps errors to exit codes.
 */
import { Command } from 'commander';
import { reportErrorAndExit } from './errors';

const COMMANDS: Array<{ register(program: Command): void }> = [
  // one line per command module, e.g. require('./commands/emulator'),
  require('./commands/emulator'),
  require('./commands/train'),
  require('./commands/score'),
  require('./commands/demo'),
  require('./commands/pipeline'),
  require('./commands/governance'),
  require('./commands/serve'),
  require('./commands/portals'),
  require('./commands/worker'),
  require('./commands/listen'),
];

export function buildProgram(): Command {
  const program = new Command('leadlens')
    .description('Explainable, calibrated lead scoring inside your CRM.')
    .showHelpAfterError()
    .version(require('../../package.json').version);
  for (const c of COMMANDS) c.register(program);
  return program;
}

export function run(argv: string[] = process.argv): void {
  buildProgram()
    .parseAsync(argv)
    .catch((e: unknown) => reportErrorAndExit(e));
}
