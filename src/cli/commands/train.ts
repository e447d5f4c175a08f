/**
 * `leadlens train`: a model from a CSV export. Rows are ordered by --time (or file order), the
 * oldest train, the next validate, the newest test; --json prints one JSON object for scripts.
 */
import fs from 'node:fs';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { LeadLensError } from '../../contracts/errors';
import { readCsvColumns, type CsvFrame } from '../../crm/csv/columns';
import { labelsFrom, trainModel, type FieldType, type TrainReport } from '../../model';
import { makeBudget, runJob, trainJob, withRunLease } from '../../pipeline';
import { DEFAULT_DB_FILE } from '../../server/compose';
import { leaseTtlFromEnv, openDeps, printJson, type CrmFlags } from '../context';

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
});
type TrainCliOptions = z.infer<typeof OptionsSchema>;

function requireColumn(table: CsvFrame, name: string, flag: string): void {
  const names = table.frame.names;
  if (!names.includes(name)) {
    throw new LeadLensError('INPUT_INVALID', `The ${flag} column "${name}" is not in the CSV.`, {
      hint: `Columns found: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}.`,
    });
  }
}

/** Times as numbers: numeric values as they are, otherwise ISO dates as epoch ms. */
function readTimes(table: CsvFrame, column: string): number[] {
  const col = table.frame.columns.get(column)!;
  const bad = (k: number): LeadLensError =>
    new LeadLensError(
      'CSV_INVALID',
      `line ${table.lines[k]}: the --time column "${column}" is not a number or a date.`,
      {
        hint: 'Give every row a time (a date or an increasing number), or drop --time to use file order.',
      },
    );
  if (col.kind === 'number') {
    return Array.from(col.values, (t, k) => {
      if (!Number.isFinite(t)) throw bad(k);
      return t;
    });
  }
  // Each distinct text value is parsed once.
  const parsed = col.dict.map((raw) => {
    const s = raw.trim();
    return /^[+-]?\d+(\.\d+)?$/.test(s) ? Number(s) : Date.parse(s);
  });
  return Array.from(col.codes, (c, k) => {
    const t = c < 0 ? NaN : parsed[c]!;
    if (!Number.isFinite(t)) throw bad(k);
    return t;
  });
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

const fmt = (x: number | undefined, d = 3): string =>
  x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d);

function summary(r: TrainReport, out: string | undefined): string {
  const lines: string[] = [];
  const s = r.splits;
  lines.push(
    `Model: ${r.chosen}  (train ${s.train}, valid ${s.valid}, test ${s.test}, censored ${s.censored} rows; oldest → newest)`,
  );
  for (const c of r.candidates) {
    lines.push(
      `  candidate ${c.kind.padEnd(8)} valid AUC ${fmt(c.validAuc)}  log loss ${fmt(c.validLogLoss)}  calibration ${c.calibration}`,
    );
  }
  if (r.metrics) {
    const m = r.metrics;
    lines.push(`Test (newest ${m.rows} rows, ${m.positives} converted):`);
    lines.push(
      `  AUC ${fmt(m.auc)}  PR AUC ${fmt(m.prAuc)}  log loss ${fmt(m.logLoss)}  Brier ${fmt(m.brier)}  ECE ${fmt(m.ece)}`,
    );
    lines.push(`  lift by decile: ${m.liftByDecile.map((d) => fmt(d.lift, 2)).join(' ')}`);
  }
  if (r.leakage.length) {
    lines.push('Leakage guard:');
    for (const l of r.leakage)
      lines.push(`  ${l.excluded ? 'excluded' : 'kept    '} ${l.field}: ${l.detail}`);
  } else lines.push('Leakage guard: nothing flagged.');
  lines.push(`Features (${r.features.length}): ${r.features.map((f) => f.name).join(', ')}`);
  lines.push(
    out ? `Model written to ${out}` : 'Model not saved (pass --out model.json to save it).',
  );
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
      types,
      createdBy: `leadlens ${require('../../../package.json').version} (train --csv)`,
    },
  });
  if (o.out) fs.writeFileSync(o.out, `${JSON.stringify(result.artifact, null, 2)}\n`);
  const r = result.report;
  if (o.json) {
    const out = {
      chosen: r.chosen,
      candidates: r.candidates,
      metrics: r.metrics,
      splits: r.splits,
      leakage: r.leakage,
      excluded: r.excluded,
      features: r.features.map((f) => ({ name: f.name, type: f.type })),
      refit: r.refit,
      out: o.out ?? null,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else process.stdout.write(`${summary(r, o.out)}\n`);
}

export function register(program: Command): void {
  program
    .command('train')
    .description(
      'Without --csv: train on the contacts synced from the CRM (point-in-time features, time split, leakage guard) and publish a new model version. With --csv: train a lead-scoring model from a CSV export: rows ordered by --time (or file order), the oldest 60 % train, the next 20 % choose the model, its settings and calibration (then it is refit on both), the newest 20 % are the test the metrics come from. Fields that leak the outcome are flagged and left out.',
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
      await trainFromCrm(opts as CrmFlags);
    });
}

/** `leadlens train` without --csv: the pipeline's train job on the synced CRM mirror. */
async function trainFromCrm(flags: CrmFlags): Promise<void> {
  const deps = await openDeps(flags);
  try {
    const res = await withRunLease(
      deps,
      { purpose: 'train', role: 'leadlens train (cli)', ttlMs: leaseTtlFromEnv() },
      (d) => runJob(d, trainJob(), { budget: makeBudget(Infinity, d.now), restart: true }),
    );
    if (flags.json) printJson({ status: res.status, ...res.summary });
    else process.stdout.write(`${res.progress}\n`);
  } finally {
    await deps.close();
  }
}
