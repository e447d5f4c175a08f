/**
 * What the run-like commands (`run`, `deals`, `accounts`, `segments`, …) share: opening the
 * deps for one command and closing them, holding the portal's run lease, the `--retrain` and
 * `--restart` options, and the progress line around a run. One place, so the commands' help and
 * behaviour cannot drift apart.
 */
import { type Command, Option } from 'commander';
import type { JobResult } from '../contracts/functions';
import { withRunLease, type PipelineDeps } from '../pipeline';
import type { AppDeps } from '../server/compose';
import type { ObjectModelType } from '../store/port';
import {
  leaseTtlFromEnv,
  openDeps,
  printJson,
  progressReporter,
  withCrmFlags,
  type CrmFlags,
} from './context';

export type RetrainWhen = 'auto' | 'always' | 'never';

export interface RunFlags extends CrmFlags {
  retrain: RetrainWhen;
  restart?: boolean;
}

/**
 * `--retrain <when>` (checked against its choices) and `--restart`. `alsoWhen`: what else makes
 * 'auto' train for this command (the contact run also retrains when monitoring asks for it).
 */
export function withRunOptions(cmd: Command, what: string, alsoWhen = ''): Command {
  return cmd
    .addOption(
      new Option(
        '--retrain <when>',
        `train the ${what} when there is none or the retrain cadence is due${alsoWhen} (auto), every run (always), or only when there is none (never)`,
      )
        .choices(['auto', 'always', 'never'])
        .default('auto'),
    )
    .option('--restart', 'start a new run instead of resuming an unfinished one');
}

/** The deps of one command, closed when it ends. */
export async function withDeps<T>(
  flags: CrmFlags,
  fn: (deps: AppDeps) => Promise<T>,
  opts: { readOnly?: string } = {},
): Promise<T> {
  const deps = await openDeps(flags, opts);
  try {
    return await fn(deps);
  } finally {
    await deps.close();
  }
}

/** Deps holding the portal's run lease: one run per portal, whoever starts it. */
export function withLeasedDeps<T>(
  flags: CrmFlags,
  command: string,
  fn: (deps: PipelineDeps) => Promise<T>,
): Promise<T> {
  return withDeps(flags, (deps) =>
    withRunLease(
      deps,
      { purpose: command, role: `leadlens ${command} (cli)`, ttlMs: leaseTtlFromEnv() },
      fn,
    ),
  );
}

/** A run with the progress line on stderr (not with --json), stopped however the run ends. */
export async function withProgress<T>(
  flags: CrmFlags,
  run: (onProgress: (r: JobResult) => void) => Promise<T>,
): Promise<T> {
  const progress = progressReporter(!flags.json);
  try {
    return await run((r) => progress.update(r));
  } finally {
    progress.stop();
  }
}

/** What `leadlens deals` and `leadlens accounts` each define; the wiring is `objectCommand`'s. */
export interface ObjectCommandSpec<T extends { status: JobResult['status'] }> {
  name: string;
  description: string;
  /** For --retrain's help: 'deal model', 'account model'. */
  model: string;
  run(
    deps: PipelineDeps,
    opts: { retrain: RetrainWhen; restart?: boolean; onProgress: (r: JobResult) => void },
  ): Promise<T>;
  /** The plain-text answer (without --json). */
  text(out: T): string;
  modelsDescription: string;
  /** Whose stored model versions `<name> models` lists. */
  objectModel: ObjectModelType;
  /** What `<name> models` shows of a version's report, after its version, type, status and date. */
  reportFields(report: string): Record<string, unknown>;
}

/**
 * A run-like command over one CRM object with its `models` listing: leased run with progress,
 * --json or text, exit status 3 when the CRM's daily limit paused it.
 */
export function objectCommand<T extends { status: JobResult['status'] }>(
  program: Command,
  spec: ObjectCommandSpec<T>,
): void {
  const cmd = withCrmFlags(
    withRunOptions(program.command(spec.name).description(spec.description), spec.model),
  ).action(async (flags: RunFlags) => {
    await withLeasedDeps(flags, spec.name, async (d) => {
      const out = await withProgress(flags, (onProgress) =>
        spec.run(d, { retrain: flags.retrain, restart: flags.restart, onProgress }),
      );
      if (flags.json) printJson(out);
      else process.stdout.write(`${spec.text(out)}\n`);
      if (out.status === 'paused') process.exitCode = 3;
    });
  });
  // The CRM flags are the parent's: commander gives an option the parent knows to the parent
  // even after `models`, so a second set on the subcommand would only ever hold its defaults.
  cmd
    .command('models')
    .description(spec.modelsDescription)
    .action(async () => {
      await withDeps(
        cmd.opts<CrmFlags>(),
        async (deps) => {
          const models = await deps.store.listObjectModels(spec.objectModel);
          printJson(
            models.map((m) => ({
              version: m.version,
              modelType: m.modelType,
              status: m.status,
              trainedAt: m.trainedAt,
              ...spec.reportFields(m.report),
            })),
          );
        },
        { readOnly: `${spec.name} models` },
      );
    });
}
