/**
 * `leadlens score`: score a CSV with a saved model, one JSON object per row (JSON Lines), with
 * the top factors behind each score when --explain is given. Rows go through the one scorer
 * (src/pipeline/scoring.ts) and the one factors view (cards/factors-view.ts), like every other
 * surface: base + Σ printed points + otherPoints = score on every line, whatever --top is.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { factorsView } from '../../../cards/factors-view';
import { LeadLensError } from '../../errors';
import type { ColumnTable, TableColumn } from '../../contracts/columns';
import { readCsvColumns } from '../../crm/csv/columns';
// The CSV path imports only the scorer; the CRM path's modules (the pipeline's jobs, the HubSpot
// client, the stores, express) are required when it runs — `score --csv` is a short process and
// loading them cost about half a second of its start.
import { describeQuality, scoreRows, type QualityTally, type Scored } from '../../pipeline/scoring';
import { scoringModelFromFile, type ScoringModel } from '../../pipeline/scoring-model';
import { DEFAULT_DB_FILE } from '../../store/default-file';
import type * as Pipeline from '../../pipeline';
import type * as Context from '../context';
import type * as PipelineCommands from './pipeline';
import type { CrmFlags } from '../context';

const OptionsSchema = z.object({
  model: z.string().min(1),
  csv: z.string().min(1),
  id: z.string().min(1).optional(),
  explain: z.boolean().optional(),
  top: z.coerce.number().int().min(0).max(100),
  out: z.string().min(1).optional(),
});
type ScoreOptions = z.infer<typeof OptionsSchema>;

/**
 * Rows are scored in chunks so a large file never holds all explanations (or all of a tree
 * model's dense encoded matrix) at once; chunks without explanations are larger, since each
 * chunk pays the encoder's per-field set-up.
 */
const CHUNK_EXPLAINED = 2000;
const CHUNK_SCORED = 20_000;

export interface ScoredLine {
  id: string | number;
  probability: number;
  score: number;
  base: number;
  /** With --explain: the strongest factors, then the points of all the others. */
  factors?: Array<{ field: string; value: string | null; points: number; logOdds: number }>;
  otherPoints?: number;
}

function readModel(path: string): ScoringModel {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new LeadLensError(
      'INPUT_INVALID',
      `Cannot read the model file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unknown error'}.`,
      { hint: 'Pass the file written by `leadlens train --out`.', cause: e },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LeadLensError('INPUT_INVALID', `The model file ${path} is not JSON.`, {
      hint: 'Pass the file written by `leadlens train --out`.',
      cause: e,
    });
  }
  return scoringModelFromFile(json);
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** One printed line: a scored row through the one factors view (the card's and preview's). */
export function toLine(
  id: string | number,
  s: Scored,
  opts: { explain: boolean; top: number },
): ScoredLine {
  const line: ScoredLine = { id, probability: round6(s.probability), score: s.score, base: s.base };
  if (!opts.explain) return line;
  const view = factorsView({ v: 1, ...s, modelVersion: '' }, s.score, opts.top)!;
  return {
    ...line,
    factors: view.shown.map((f) => ({
      field: f.field,
      value: f.value,
      points: f.points,
      logOdds: round6(f.logOdds),
    })),
    otherPoints: view.otherPoints,
  };
}

/** Score (and explain) rows of one chunk. */
function scoreLines(
  sm: ScoringModel,
  rows: ColumnTable,
  ids: ReadonlyArray<string | number>,
  opts: { explain: boolean; top: number; quality: QualityTally },
): ScoredLine[] {
  return scoreRows(sm, rows, {
    top: opts.top,
    explain: opts.explain,
    quality: opts.quality,
  }).map((s, i) => toLine(ids[i]!, s, opts));
}

/**
 * Rows [start, end) of a table: number columns and codes as views (no copy). A text column
 * whose dictionary is larger than the chunk gets a dictionary of the chunk's own values, so
 * the encoder's per-distinct-value work stays proportional to the chunk, not to the file.
 */
function sliceRows(t: ColumnTable, start: number, end: number): ColumnTable {
  const m = end - start;
  const cols = t.names.map((name): [string, TableColumn] => {
    const c = t.columns.get(name)!;
    if (c.kind === 'number')
      return [name, { kind: 'number', values: c.values.subarray(start, end) }];
    if (c.dict.length <= m) {
      return [name, { kind: 'text', codes: c.codes.subarray(start, end), dict: c.dict }];
    }
    const local = new Map<number, number>();
    const dict: string[] = [];
    const codes = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      const g = c.codes[start + k]!;
      if (g < 0) {
        codes[k] = -1;
        continue;
      }
      let l = local.get(g);
      if (l === undefined) {
        l = dict.length;
        dict.push(c.dict[g]!);
        local.set(g, l);
      }
      codes[k] = l;
    }
    return [name, { kind: 'text', codes, dict }];
  });
  return { kind: 'frame', n: m, names: t.names, columns: new Map(cols) };
}

/** True when a column holds no value on any row (every cell empty or blank). */
function allEmpty(c: TableColumn): boolean {
  if (c.kind === 'number') return c.values.every((v) => v !== v);
  const blank = c.dict.map((d) => d.trim() === '');
  return c.codes.every((k) => k < 0 || blank[k]!);
}

const names = (xs: readonly string[]): string =>
  xs
    .slice(0, 10)
    .map((x) => `"${x}"`)
    .join(', ') + (xs.length > 10 ? `, … (${xs.length} in all)` : '');

/**
 * The file's columns plus an empty one for every field of the model the file lacks: a score
 * export with a column dropped is scored with that field missing on every row — said on
 * stderr, never fatal (the encoder itself insists on every field). Fields present but empty on
 * every row are said too: that is what post-outcome fields (a rep's tag, a quality grade) look
 * like on open leads, and a model that leaned on them has lost that signal here.
 */
function withModelFields(frame: ColumnTable, model: ScoringModel, file: string): ColumnTable {
  const fields = model.model.encoder.fields.map((f) => f.name);
  const absent = fields.filter((f) => !frame.columns.has(f));
  const empty = fields.filter(
    (f) => frame.n > 0 && frame.columns.has(f) && allEmpty(frame.columns.get(f)!),
  );
  if (absent.length) {
    process.stderr.write(
      `Warning: ${absent.length} column(s) the model uses are not in ${file}: ${names(absent)}; scored as missing on every row. Add them (empty values are fine) to silence this, or retrain without them.\n`,
    );
  }
  if (empty.length) {
    process.stderr.write(
      `Warning: ${empty.length} column(s) the model uses are empty on every row of ${file}: ${names(empty)}; scored as missing. If they are only filled in after a lead's outcome is known, retrain with --exclude ${empty.join(',')}.\n`,
    );
  }
  if (!absent.length) return frame;
  const columns = new Map(frame.columns);
  const none: TableColumn = { kind: 'text', codes: new Int32Array(frame.n).fill(-1), dict: [] };
  for (const f of absent) columns.set(f, none);
  return { ...frame, names: [...frame.names, ...absent], columns };
}

function run(o: ScoreOptions): void {
  const model = readModel(o.model);
  // Column by column, as `train --csv` reads its file: the values the model sees at scoring are
  // read exactly as in training (a code "007" is the number 7 in both), and 1M rows take a few
  // hundred MB rather than an object per row. The id column stays the text in the file.
  const table = readCsvColumns(o.csv, { text: o.id !== undefined ? [o.id] : [] });
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
  const frame = withModelFields(table.frame, model, o.csv);
  const quality: QualityTally = {};
  if (o.id !== undefined && !frame.names.includes(o.id)) {
    throw new LeadLensError('INPUT_INVALID', `The --id column "${o.id}" is not in the CSV.`, {
      hint: `Columns found: ${frame.names.slice(0, 20).join(', ')}${frame.names.length > 20 ? ', …' : ''}.`,
    });
  }
  const idColumn = o.id !== undefined ? frame.columns.get(o.id) : undefined;
  const idAt = (i: number): string | number => {
    if (!idColumn) return i + 1;
    // Kept as text by readCsvColumns; a number column cannot occur, but is printed as read.
    if (idColumn.kind === 'number') return String(idColumn.values[i]);
    const c = idColumn.codes[i]!;
    return c < 0 ? '' : idColumn.dict[c]!;
  };
  const explain = o.explain === true;
  const chunk = explain ? CHUNK_EXPLAINED : CHUNK_SCORED;
  const fd = o.out ? fs.openSync(o.out, 'w') : 1;
  try {
    for (let start = 0; start < frame.n; start += chunk) {
      const end = Math.min(frame.n, start + chunk);
      const ids = Array.from({ length: end - start }, (_, k) => idAt(start + k));
      const lines = scoreLines(model, sliceRows(frame, start, end), ids, {
        explain,
        top: o.top,
        quality,
      });
      try {
        fs.writeSync(fd, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      } catch (e) {
        // `leadlens score … | head` closes the pipe early: that is the reader's choice, not an error.
        if (fd === 1 && (e as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw e;
      }
    }
  } finally {
    if (fd !== 1) fs.closeSync(fd);
  }
  if (o.out) process.stderr.write(`Scored ${frame.n} rows into ${o.out}\n`);
  // Odd values never stop a run; they are scored as missing and said here.
  const odd = describeQuality(quality);
  if (odd) process.stderr.write(`Read as missing (scored without them): ${odd}\n`);
}

export function register(program: Command): void {
  program
    .command('score')
    .description(
      'Without --csv: score every open contact and lead synced from the CRM with the published model and write back what changed. With --csv: score a CSV with a saved model, one JSON object per row { id, probability, score, base }, plus { factors, otherPoints } with --explain, where base + Σ factor points + otherPoints = score.',
    )
    .option('--model <file>', 'with --csv: model JSON written by `leadlens train --out`')
    .option('--csv <file>', 'CSV export to score (`,` `;` or tab, quotes, BOM handled)')
    .option('--id <column>', 'column to use as the id (default: the 1-based row number)')
    .option(
      '--explain',
      'add the top factors (field, value, points, logOdds) behind each score and otherPoints, the points of all the others',
    )
    .option(
      '--top <k>',
      'how many factors to print with --explain (strongest positives and negatives)',
      '6',
    )
    .option('--out <file.jsonl>', 'write JSON Lines to this file instead of stdout')
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
    .option('--json', 'without --csv: print one JSON summary')
    .action(async (raw: Record<string, unknown>) => {
      if (raw.csv === undefined) return scoreCrm(raw as CrmFlags);
      const parsed = OptionsSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new LeadLensError(
          'INPUT_INVALID',
          `Option --${issue.path.join('.')} is invalid: ${issue.message}.`,
          {
            hint: 'See `leadlens score --help`.',
          },
        );
      }
      run(parsed.data);
    });
}

/** `leadlens score` without --csv: the pipeline's score → write-back chain on the CRM mirror. */
async function scoreCrm(flags: CrmFlags): Promise<void> {
  const { runJobToEnd, withRunLease, scoreAndWriteJob } =
    require('../../pipeline') as typeof Pipeline;
  const { leaseTtlFromEnv, openDeps, printJson } = require('../context') as typeof Context;
  const deps = await openDeps(flags);
  try {
    const res = await withRunLease(
      deps,
      { purpose: 'score', role: 'leadlens score (cli)', ttlMs: leaseTtlFromEnv() },
      (d) => runJobToEnd(d, scoreAndWriteJob),
    );
    if (flags.json)
      printJson({ status: res.status, ...res.summary, apiCalls: deps.crm.usage().calls });
    else {
      // What `leadlens run` prints for its score stage: the chain's last progress line alone
      // (its final stage's) said nothing about what was scored or written.
      const { summarizeRun } = require('./pipeline') as typeof PipelineCommands;
      const { tierStats, tierInputs } = require('../../pipeline') as typeof Pipeline;
      const s = await summarizeRun(deps, res);
      const stages = res.summary as Record<string, Record<string, unknown> | undefined>;
      const contacts = Number(stages.score?.scored ?? 0);
      const leads = Number(stages.score?.leads ?? 0);
      const tiers = tierStats((await deps.store.getSettings()).tiers, await tierInputs(deps));
      const lines = [
        `status          ${s.status}${s.resumeAt ? ` (resumes at ${s.resumeAt})` : ''}`,
        `model           v${s.modelVersion ?? '—'} ${s.modelType ?? ''}`.trimEnd(),
        `scored          ${s.scored} (${contacts} contacts, ${leads} leads)`,
        `tiers           ${tiers.map((t) => `${t.label} ${t.count}`).join(' · ')}`,
        `written         ${s.written}`,
        `API calls       ${s.apiCalls}, ${s.throttled} answered 429`,
      ];
      if (s.failed > 0) {
        lines.push(
          `not written     ${s.failed} (the CRM refused them; not retried until they change)`,
        );
        for (const f of s.failures) lines.push(`  ${f.objectType} ${f.id}: ${f.code} ${f.message}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await deps.close();
  }
}
