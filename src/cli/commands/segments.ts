/**
 * `leadlens segments`: the admin's segments from a terminal — list them (with what the published
 * model decided for each), add or replace one, remove one, set the rules for own models. Saved
 * through the settings use case, so the CLI validates exactly what the settings page does and a
 * change of thresholds re-tiers the stored scores at once. A new segment's own model comes with
 * the next training run.
 */
import { type Command } from 'commander';
import { LeadLensError } from '../../contracts/errors';
import {
  SegmentSchema,
  SettingsSchema,
  type Segment,
  type Settings,
} from '../../contracts/settings';
import { readReport, settingsAction } from '../../pipeline';
import type { AppDeps } from '../../server/compose';
import { printJson, requireExistingStore, withCrmFlags, type CrmFlags } from '../context';
import { withDeps } from '../run-options';

const list = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** The segments and their rules, one line each (the text the commands print without --json). */
function segmentsText(g: Settings['segments']): string[] {
  return [
    `rules           a segment gets a model of its own from ${g.minPositives} converted training leads, when its backtests beat the global model by ≥ ${g.minGain} AUC`,
    ...(g.list.length === 0
      ? ['segments        none (`leadlens segments add KEY --property P --values A,B`)']
      : [
          `segments        ${g.list.length}`,
          ...g.list.map(
            (x) =>
              `  ${x.key}${x.label !== x.key ? ` (${x.label})` : ''}: ${x.property} in ${x.values.join(', ')}${x.minScores ? `; tiers from ${x.minScores.join(' / ')}` : ''}`,
          ),
        ]),
  ];
}

const printLines = (lines: readonly string[]): void => {
  process.stdout.write(`${lines.join('\n')}\n`);
};

async function save(deps: AppDeps, settings: Settings, json?: boolean): Promise<void> {
  // The settings schema at the edge, as the settings function parses the page's request.
  const parsed = SettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LeadLensError(
      'INPUT_INVALID',
      `The segments are invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      { hint: 'See `leadlens segments --help`.' },
    );
  }
  const res = await settingsAction(deps, { action: 'save', settings: parsed.data });
  if (json) printJson({ segments: res.settings.segments, retiered: res.retiered ?? 0 });
  else
    printLines([
      ...segmentsText(res.settings.segments),
      `saved           ${res.retiered ?? 0} stored score(s) moved to another tier`,
    ]);
}

export function register(program: Command): void {
  const cmd = program
    .command('segments')
    .description(
      'Segments by any contact property (source, persona, product line, region): each gets a model of its own when its backtests beat the global model on its leads, and may have tier thresholds of its own.',
    );
  withCrmFlags(
    cmd.command('list').description('The segments, and what the published model decided for each.'),
  ).action(async (flags: CrmFlags) => {
    requireExistingStore(flags, 'segments list');
    await withDeps(flags, async (deps) => {
      const settings = await deps.store.getSettings();
      const published = await deps.store.getPublishedModel();
      const report = published ? readReport(published) : null;
      const decided = (report?.segments ?? []).map(({ heldOut: _rows, ...rest }) => rest);
      if (flags.json)
        printJson({
          ...settings.segments,
          // Each segment's held-out rows are for monitoring, not for reading here.
          model: published ? { version: published.version, segments: decided } : null,
        });
      else
        printLines([
          ...segmentsText(settings.segments),
          published
            ? `model           v${published.version}${decided.length === 0 ? ' (trained before these segments, or without any)' : ', per segment:'}`
            : 'model           none published',
          ...decided.map(
            (d) =>
              `  ${d.key}: ${d.decision === 'own' ? `own model (${d.modelType ?? '—'})` : 'global model'}; ${d.rows} rows, ${d.positives} converted; ${d.why}`,
          ),
        ]);
    });
  });
  withCrmFlags(
    cmd
      .command('add <key>')
      .description('Add a segment, or replace the one with this key.')
      .requiredOption(
        '--property <name>',
        'contact property that defines it, e.g. hs_analytics_source',
      )
      .requiredOption('--values <a,b>', 'comma-separated values of the property that belong to it')
      .option('--label <text>', 'name shown in reports (default: the key)')
      .option(
        '--tiers <t1,t2,…>',
        'its own tier thresholds, one per tier, best first, the last 0 (default: the global ones)',
      ),
  ).action(
    async (
      key: string,
      flags: CrmFlags & { property: string; values: string; label?: string; tiers?: string },
    ) => {
      const parsed = SegmentSchema.safeParse({
        key,
        label: flags.label ?? key,
        property: flags.property,
        values: list(flags.values),
        ...(flags.tiers ? { minScores: list(flags.tiers).map(Number) } : {}),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new LeadLensError(
          'INPUT_INVALID',
          `The segment is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
          { hint: 'See `leadlens segments add --help`.' },
        );
      }
      await withDeps(flags, async (deps) => {
        const settings = await deps.store.getSettings();
        const seg: Segment = parsed.data;
        const others = settings.segments.list.filter((s) => s.key !== seg.key);
        const at = settings.segments.list.findIndex((s) => s.key === seg.key);
        const next = [...others];
        next.splice(at < 0 ? next.length : at, 0, seg);
        await save(
          deps,
          { ...settings, segments: { ...settings.segments, list: next } },
          flags.json,
        );
      });
    },
  );
  withCrmFlags(cmd.command('remove <key>').description('Remove a segment.')).action(
    async (key: string, flags: CrmFlags) => {
      await withDeps(flags, async (deps) => {
        const settings = await deps.store.getSettings();
        if (!settings.segments.list.some((s) => s.key === key)) {
          throw new LeadLensError('INPUT_INVALID', `There is no segment "${key}".`, {
            hint: 'See `leadlens segments list`.',
          });
        }
        const next = settings.segments.list.filter((s) => s.key !== key);
        await save(
          deps,
          { ...settings, segments: { ...settings.segments, list: next } },
          flags.json,
        );
      });
    },
  );
  withCrmFlags(
    cmd
      .command('rules')
      .description('When a segment gets a model of its own.')
      .option('--min-positives <n>', 'converted training leads a segment needs first')
      .option('--min-gain <auc>', 'mean backtest AUC gain over the global model it must show'),
  ).action(async (flags: CrmFlags & { minPositives?: string; minGain?: string }) => {
    await withDeps(flags, async (deps) => {
      const settings = await deps.store.getSettings();
      await save(
        deps,
        {
          ...settings,
          segments: {
            ...settings.segments,
            ...(flags.minPositives !== undefined
              ? { minPositives: Number(flags.minPositives) }
              : {}),
            ...(flags.minGain !== undefined ? { minGain: Number(flags.minGain) } : {}),
          },
        },
        flags.json,
      );
    });
  });
}
