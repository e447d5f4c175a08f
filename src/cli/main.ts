/**
 * The `leadlens` command. Each sub-command lives in `commands/<name>.ts` and exports
 * `register(program)`; this file only wires them and maps errors to exit codes.
 */
import { Command } from 'commander';
import { reportErrorAndExit } from './errors';

type CommandModule = { register(program: Command): void };

// Loaded on demand: a module's imports (HTTP clients, the server, the stores) cost startup time
// that `leadlens train --csv` should not pay.
const COMMANDS: Array<() => CommandModule> = [
  // one line per command module, e.g. () => require('./commands/emulator'),
  () => require('./commands/emulator'),
  () => require('./commands/train'),
  () => require('./commands/score'),
  () => require('./commands/demo'),
  () => require('./commands/pipeline'),
  () => require('./commands/governance'),
  () => require('./commands/serve'),
  () => require('./commands/portals'),
  () => require('./commands/worker'),
  () => require('./commands/listen'),
  () => require('./commands/deals'),
  () => require('./commands/accounts'),
  () => require('./commands/segments'),
];

/**
 * Commands whose module defines nothing else: `leadlens <name> …` loads that module alone.
 * Any other first argument (another command, --help, a typo) loads every module.
 */
const ALONE: Readonly<Record<string, () => CommandModule>> = {
  train: () => require('./commands/train'),
  score: () => require('./commands/score'),
  demo: () => require('./commands/demo'),
  emulator: () => require('./commands/emulator'),
};

/** The program; given the command line, only the modules that line needs are loaded. */
export function buildProgram(argv?: readonly string[]): Command {
  const program = new Command('leadlens')
    .description('Explainable, calibrated lead scoring inside your CRM.')
    .showHelpAfterError()
    .version(require('../../package.json').version);
  const name = argv?.[2];
  const alone = name !== undefined && Object.hasOwn(ALONE, name) ? ALONE[name] : undefined;
  for (const load of alone ? [alone] : COMMANDS) load().register(program);
  return program;
}

export function run(argv: string[] = process.argv): void {
  buildProgram(argv)
    .parseAsync(argv)
    .catch((e: unknown) => reportErrorAndExit(e));
}
