/**
 * `leadlens train`: a model from a CSV export (or the synced CRM). Rows are ordered by --time
 * (or file order); rolling-origin backtests choose the model and give its honest estimate, the
 * chosen setting is then fitted on all labelled rows. A model without signal is not written
 * (not published) unless --publish-anyway; --strict turns that verdict into exit status 2.
 * --json prints one JSON object for scripts.
 */
import fs from 'node:fs';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { LeadLensError } from '../../contracts/errors';
import { readCsvColumns, type CsvFrame } from '../../crm/csv/columns';
import { parseTimeTexts } from '../../model/encoding/dates';
import { DEFAULT_SETTINGS } from '../../contracts/settings';
import {
  labelsFrom,
  trainModel,
  type CandidateReport,
  type FieldType,
  type Label,
  type TrainReport,
} from '../../model';
import { DEFAULT_DB_FILE } from '../../store/default-file';
import type * as Pipeline from '../../pipeline';
import type * as Context from '../context';
import type { CrmFlags } from '../context';

const OptionsSchema = z.object({
  csv: z.string().min(1),
  label: z.string().min(1),
  positive: z.string().optional(),
  id: z.string().min(1).optional(),
  time: z.string().min(1).optional(),
  exclude: z.string().optional(),
  categorical: z.string().optional(),
  numeric: z.string().optional(),
  model: z.enum(['auto', 'logistic', 'gbdt', 'tree']),
  out: z.string().min(1).optional(),
  json: z.boolean().optional(),
  seed: z.coerce.number().int(),
  strict: z.boolean().optional(),
  publishAnyway: z.boolean().optional(),
});

/** The exit status when --strict and the model has no signal (errors use 1 and above 2). */
export const NO_SIGNAL_EXIT = 2;
type TrainCliOptions = z.infer<typeof OptionsSchema>;

function requireColumn(table: CsvFrame, name: string, flag: string): void {
  const names = table.frame.names;
  if (!names.includes(name)) {
    throw new LeadLensError('INPUT_INVALID', `The ${flag} column "${name}" is not in the CSV.`, {
      hint: `Columns found: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}.`,
    });
  }
}

/**
 * Times as numbers: numeric values as they are (epoch seconds, ms, a counter: only the order
 * counts), dates as epoch ms — ISO with or without offsets, and DD/MM/YYYY or MM/DD/YYYY with
 * the order read from the column (`parseTimeTexts`).
 */
function readTimes(table: CsvFrame, column: string): number[] {
  const col = table.frame.columns.get(column)!;
  if (col.kind === 'number') return Array.from(col.values);
  // Each distinct text value is parsed once; day/month order is decided for the column.
  const { times: parsed, order, ambiguous, example } = parseTimeTexts(col.dict);
  if (ambiguous) {
    process.stderr.write(
      `Warning: the --time column "${column}" has dates such as "${example}" where no day is above 12; they were read ${order === 'day-first' ? 'day first (DD/MM/YYYY)' : 'month first (MM/DD/YYYY)'}. Export ISO dates (YYYY-MM-DD) to be sure of the order.\n`,
    );
  }
  return Array.from(col.codes, (c) => (c < 0 ? NaN : parsed[c]!));
}

/**
 * Date feature columns written `a/b/yyyy` with no day above 12 in the training file: the order
 * was a guess (as for --time) and is stored with the model, so scoring reads later files the
 * same way; said so the user can check it.
 */
function warnGuessedDateOrder(
  fields: ReadonlyArray<{ name: string; dateOrder?: string; dateOrderGuessed?: boolean }>,
): void {
  for (const f of fields) {
    if (!f.dateOrderGuessed) continue;
    process.stderr.write(
      `Warning: the date column "${f.name}" has no day above 12; its dates were read ${f.dateOrder === 'day-first' ? 'day first (DD/MM/YYYY)' : 'month first (MM/DD/YYYY)'}, and the model reads later files the same way. Export ISO dates (YYYY-MM-DD) to be sure of the order.\n`,
    );
  }
}

/** Rows without a readable time may be at most this share of the file (else: an error). */
const UNTIMED_MAX = 0.05;

/**
 * Rows whose --time is empty or unreadable: a few are left out of training (their label set
 * unknown, their time the previous row's, so they sit where the file has them) and said on
 * stderr; more than `UNTIMED_MAX` of the file means the column is not a time column, or in a
 * form not read: an error naming the first such line.
 */
function untimed(table: CsvFrame, column: string, times: number[], labels: Label[]): void {
  const bad: number[] = [];
  times.forEach((t, k) => {
    if (!Number.isFinite(t)) bad.push(k);
  });
  if (bad.length === 0) return;
  if (bad.length > UNTIMED_MAX * times.length || bad.length === times.length) {
    throw new LeadLensError(
      'CSV_INVALID',
      `line ${table.lines[bad[0]!]}: the --time column "${column}" is not a number or a date (${bad.length} of ${times.length} rows).`,
      {
        hint: 'Give the rows a time (an ISO date, DD/MM/YYYY, MM/DD/YYYY or an increasing number), or drop --time to use file order.',
      },
    );
  }
  const first = times.find((t) => Number.isFinite(t))!;
  let last = first;
  for (let k = 0; k < times.length; k++) {
    if (Number.isFinite(times[k]!)) last = times[k]!;
    else {
      times[k] = last;
      labels[k] = null;
    }
  }
  process.stderr.write(
    `Warning: ${bad.length} row(s) have no readable --time value "${column}" (first at line ${table.lines[bad[0]!]}); they are left out of training.\n`,
  );
}

const list = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** `--categorical a,b` and `--numeric c` as a type per column; a column named in both is an error. */
function typeOverrides(table: CsvFrame, o: TrainCliOptions): Record<string, FieldType> {
  const types: Record<string, FieldType> = {};
  for (const name of list(o.categorical)) {
    requireColumn(table, name, '--categorical');
    types[name] = 'category';
  }
  for (const name of list(o.numeric)) {
    requireColumn(table, name, '--numeric');
    if (types[name]) {
      throw new LeadLensError(
        'INPUT_INVALID',
        `The column "${name}" is given both as --categorical and as --numeric.`,
        { hint: 'Name each column in one of the two.' },
      );
    }
    types[name] = 'number';
  }
  return types;
}

const fmt = (x: number | null | undefined, d = 3): string =>
  x === undefined || x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(d);

const when = (t: number | null, timed: boolean): string =>
  t === null ? '—' : timed && t > 1e11 ? new Date(t).toISOString().slice(0, 10) : String(t);

export function describeCandidate(
  c: Pick<CandidateReport, 'settings' | 'weighting'> & { kind?: string; chosen?: unknown },
): string {
  const kind = typeof c.chosen === 'string' ? c.chosen : c.kind;
  const set = Object.entries(c.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const w = [
    c.weighting.classWeight ? 'balanced classes' : '',
    c.weighting.recency ? 'recency' : '',
  ].filter(Boolean);
  return `${kind} ${set}${w.length ? ` (${w.join(' + ')})` : ''}`;
}

function summary(r: TrainReport, timed: boolean, saved: string): string {
  const lines: string[] = [];
  const s = r.splits;
  const bt = r.backtest;
  lines.push(
    `Model: ${describeCandidate(r)}, calibration ${r.calibration}; fitted on all ${s.train} labelled rows (${s.censored} censored left out).`,
  );
  lines.push(
    `Backtests (${s.folds} folds, expanding window; each fold trains on rows before its test block):`,
  );
  if (bt.moved) {
    lines.push(
      `  first test block starts at labelled row ${bt.moved.to + 1}, not ${bt.moved.from + 1}: the default first window (less the embargo) held only one outcome`,
    );
  }
  for (const f of bt.folds) {
    lines.push(
      `  fold ${f.fold}: train ${f.train}${f.trainWindow !== undefined && f.trainWindow !== f.train ? ` of ${f.trainWindow}` : ''} rows (${when(f.trainFrom, timed)} → before ${when(f.origin, timed)})${f.embargoed ? `, embargo ${f.embargoed}` : ''}; test ${f.test}${f.testBlock !== undefined && f.testBlock !== f.test ? ` of ${f.testBlock}` : ''} rows (${f.testPositives} converted, to ${when(f.testTo, timed)}); AUC ${fmt(f.auc)}`,
    );
  }
  lines.push(
    `  chosen: mean AUC ${fmt(bt.meanAuc)} ± ${fmt(bt.seAuc)} (standard error over folds)`,
  );
  for (const c of r.candidates) {
    lines.push(
      `  ${c.chosen ? '*' : ' '} ${describeCandidate(c).padEnd(40)} mean AUC ${fmt(c.meanAuc)} ± ${fmt(c.seAuc)}  folds ${c.foldAuc.map((a) => fmt(a)).join(' ')}${c.tied && !c.chosen ? '  (tied)' : ''}${c.pruned ? `  (stopped after ${c.foldAuc.length} fold(s): not ahead of the unweighted winner)` : ''}`,
    );
  }
  lines.push(`  rule: ${bt.rule}`);
  const sch = bt.schedule;
  if (sch?.budgeted) {
    lines.push(
      `  search budget (over ${sch.threshold} labelled rows): each fold fitted on ≤ ${sch.trainCap} sampled rows of its window and scored on ≤ ${sch.testCap} of its block, ${sch.sweeps} sweeps`,
    );
    if (sch.ladder.length) {
      lines.push(
        `  GBDT rounds on the newest fold at growing size: ${sch.ladder.map((x) => `${x.rows} rows → ${x.nRounds}`).join(', ')}; backtests chose ${sch.backtestRounds}, shipped ${r.settings.nRounds}`,
      );
    }
    const rate = sch.rate;
    if (rate?.fold !== undefined) {
      const at = (x: typeof rate.base) =>
        `${x.learningRate} → ${x.auc.toFixed(4)} (depth ${x.maxDepth ?? '?'} × ${x.nRounds})`;
      lines.push(
        `  GBDT learning rate on fold ${rate.fold + 1}: ${at(rate.base)} vs ${at(rate.fast)}, AUC SE ${rate.se?.toFixed(4) ?? '—'}; kept ${rate.chosen} for every later fit`,
      );
    }
  }
  if (r.metrics) {
    const m = r.metrics;
    lines.push(
      `Out of fold (every test block scored by its fold's model; ${m.rows} rows, ${m.positives} converted):`,
    );
    lines.push(
      `  AUC ${fmt(m.auc)}  PR AUC ${fmt(m.prAuc)}  log loss ${fmt(m.logLoss)}  Brier ${fmt(m.brier)}  ECE ${fmt(m.ece)}`,
    );
    lines.push(`  lift by decile: ${m.liftByDecile.map((d) => fmt(d.lift, 2)).join(' ')}`);
    for (const t of m.atTiers ?? []) {
      lines.push(
        `  score ≥ ${String(t.min).padStart(3)} (${t.tier}): precision ${fmt(t.precision)}  recall ${fmt(t.recall)}  leads ${t.predictedPositive}`,
      );
    }
  }
  if (r.leakage.length) {
    lines.push('Leakage guard:');
    for (const l of r.leakage)
      lines.push(`  ${l.excluded ? 'excluded' : 'kept    '} ${l.field}: ${l.detail}`);
  } else lines.push('Leakage guard: nothing flagged.');
  lines.push(`Features (${r.features.length}): ${r.features.map((f) => f.name).join(', ')}`);
  lines.push(saved);
  return lines.join('\n');
}

export function runTrain(raw: Record<string, unknown>): void {
  const parsed = OptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LeadLensError(
      'INPUT_INVALID',
      `Option --${issue.path.join('.')}: ${issue.message}.`,
      { hint: 'See leadlens train --help.' },
    );
  }
  const o: TrainCliOptions = parsed.data;
  const table = readCsvColumns(o.csv);
  if (table.decimalComma) {
    // Said on every read: a training file and a score file must be read the same way.
    process.stderr.write(
      `Note: ${o.csv} writes numbers with a decimal comma (1.234,5); they were read that way.\n`,
    );
  }
  if (table.renamed.length) {
    process.stderr.write(`Warning: the header of ${o.csv}: ${table.renamed.join('; ')}.\n`);
  }
  if (table.encoding === 'latin1') {
    process.stderr.write(
      `Warning: ${o.csv} is not valid UTF-8; it was read as Latin-1 (Windows-1252 exports). Check accented values; re-export as UTF-8 to be sure.\n`,
    );
  }
  if (table.frame.n === 0) {
    throw new LeadLensError('CSV_INVALID', `${o.csv}: the file has a header but no data rows.`, {
      hint: 'Export the leads with their outcomes.',
    });
  }
  const exclude = list(o.exclude);
  for (const e of exclude) requireColumn(table, e, '--exclude');
  const types = typeOverrides(table, o);
  if (o.id) requireColumn(table, o.id, '--id');
  if (o.time) requireColumn(table, o.time, '--time');
  const labels = labelsFrom(table.frame, o.label, { positive: o.positive });
  const times = o.time ? readTimes(table, o.time) : undefined;
  if (o.time && times) untimed(table, o.time, times, labels);
  // The label, the id and the ordering column are never features.
  const never = [o.label, ...(o.id ? [o.id] : []), ...(o.time ? [o.time] : [])];
  const result = trainModel({
    rows: table.frame,
    labels,
    times,
    options: {
      model: o.model,
      seed: o.seed,
      exclude: [...never, ...exclude],
      // Precision and recall at the default tiers' cut-offs (a CSV comes without settings).
      tiers: DEFAULT_SETTINGS.tiers.map((t) => ({ name: t.label, min: t.minScore })),
      types,
      createdBy: `leadlens ${require('../../../package.json').version} (train --csv)`,
    },
  });
  const r = result.report;
  warnGuessedDateOrder(result.artifact.encoder.fields);
  // Writing --out is publishing here: a model without signal is not written unless asked.
  const publish = r.verdict.ok || !!o.publishAnyway;
  if (o.out && publish) fs.writeFileSync(o.out, `${JSON.stringify(result.artifact, null, 2)}\n`);
  const saved = !o.out
    ? 'Model not saved (pass --out model.json to save it).'
    : publish
      ? `Model written to ${o.out}.`
      : `Model NOT written: ${o.out} is left as it was (pass --publish-anyway to write it).`;
  if (o.json) {
    const out = {
      chosen: r.chosen,
      settings: r.settings,
      weighting: r.weighting,
      calibration: r.calibration,
      verdict: r.verdict,
      candidates: r.candidates,
      backtest: r.backtest,
      metrics: r.metrics,
      splits: r.splits,
      leakage: r.leakage,
      excluded: r.excluded,
      features: r.features.map((f) => ({ name: f.name, type: f.type })),
      out: o.out && publish ? o.out : null,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else process.stdout.write(`${summary(r, !!times, saved)}\n`);
  if (!r.verdict.ok) warnNoSignal(r.verdict.message, saved, !!o.strict);
}

/** Loud on stderr whatever the output format; exit status 2 under --strict. */
function warnNoSignal(message: string, outcome: string, strict: boolean): void {
  process.stderr.write(`leadlens: WARNING: ${message}${outcome ? ` ${outcome}` : ''}\n`);
  if (strict) process.exitCode = NO_SIGNAL_EXIT;
}

export function register(program: Command): void {
  program
    .command('train')
    .description(
      'Without --csv: train on the contacts synced from the CRM (point-in-time features, leakage guard) and publish a new model version. With --csv: train a lead-scoring model from a CSV export, rows ordered by --time (or file order). Rolling-origin backtests (2–5 folds by data size and the rarer outcome; each fold trains on the rows before its test block, and the first block starts later when the oldest rows hold one outcome only) choose the model family, its settings and row weights, and give the honest estimate; calibration comes from the out-of-fold scores; the chosen setting is then fitted on all labelled rows. Fields that leak the outcome are flagged and left out. A model that does not beat chance, or scores every lead alike, is not published (with --csv: not written) unless --publish-anyway.',
    )
    .option('--csv <file>', 'CSV file (delimiter , ; or tab detected; header line required)')
    .option(
      '--label <column>',
      'with --csv: column saying whether the lead converted (empty = outcome unknown, left out)',
    )
    .option(
      '--positive <value>',
      'value of --label meaning converted (inferred for 1/0, true/false, yes/no, won/lost)',
    )
    .option('--id <column>', 'identifier column (never a feature)')
    .option(
      '--time <column>',
      'order rows by this column ascending (number or date); file order when absent',
    )
    .option('--exclude <a,b>', 'comma-separated columns never to use as features')
    .option(
      '--categorical <a,b>',
      'with --csv: columns to read as categories whatever their values (codes such as a region 1–9)',
    )
    .option(
      '--numeric <a,b>',
      'with --csv: columns to read as numbers (other values count as missing)',
    )
    .addOption(
      new Option('--model <kind>', 'model family')
        .choices(['auto', 'logistic', 'gbdt', 'tree'])
        .default('auto'),
    )
    .option('--out <file>', 'write the model artifact (JSON) to this file')
    .option(
      '--json',
      'print metrics, chosen model, split sizes and leakage findings as one JSON object',
    )
    .option('--seed <n>', 'random seed (same seed, same model)', '1')
    .option(
      '--strict',
      'exit with status 2 when no candidate beats chance by a margin the backtests support, or the scores are (near) constant',
    )
    .option(
      '--publish-anyway',
      'publish (or with --csv, write --out) a model even when it has no signal; by default the previous model is kept',
    )
    .option('--base-url <url>', 'without --csv: CRM API base URL (default: hubspot.config.yml)')
    .option(
      '--token-file <file>',
      'without --csv: file holding the private app access token (default: HUBSPOT_ACCESS_TOKEN_FILE, HUBSPOT_ACCESS_TOKEN)',
    )
    .option(
      '--token <token>',
      'without --csv: the access token itself — avoid: the process list shows it; use --token-file',
    )
    .option('--db <file>', 'without --csv: SQLite state file', DEFAULT_DB_FILE)
    .action(async (opts: Record<string, unknown>) => {
      if (opts.csv !== undefined) return runTrain(opts);
      await trainFromCrm(opts as CrmFlags & { strict?: boolean; publishAnyway?: boolean });
    });
}

/** `leadlens train` without --csv: the pipeline's train job on the synced CRM mirror. */
async function trainFromCrm(
  flags: CrmFlags & { strict?: boolean; publishAnyway?: boolean },
): Promise<void> {
  // Loaded here: the pipeline, stores and CRM clients are startup time `train --csv` never uses.
  const { makeBudget, runJob, trainJob, withRunLease } =
    require('../../pipeline') as typeof Pipeline;
  const { leaseTtlFromEnv, openDeps, printJson } = require('../context') as typeof Context;
  const deps = await openDeps(flags);
  try {
    const job = trainJob({ publishAnyway: !!flags.publishAnyway });
    const res = await withRunLease(
      deps,
      { purpose: 'train', role: 'leadlens train (cli)', ttlMs: leaseTtlFromEnv() },
      (d) => runJob(d, job, { budget: makeBudget(Infinity, d.now), restart: true }),
    );
    if (flags.json) printJson({ status: res.status, ...res.summary });
    else process.stdout.write(`${res.progress}\n`);
    const summary = res.summary as { warning?: string | null };
    if (summary.warning) warnNoSignal(summary.warning, '', !!flags.strict);
  } finally {
    await deps.close();
  }
}
