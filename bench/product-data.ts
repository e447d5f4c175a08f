/**
 * The CSVs `npm run bench:product` trains on: n rows × 30 feature columns, as a CRM export
 * would hold them — 18 decimal numbers (2 % empty), 4 integer codes with few values (a region
 * 1–9, a browser id 1–13, …), 6 text categories (3–40 levels, 3 % empty), 2 yes/no — plus an
 * id and a 0/1 label driven by a few of each, so either model family has something to learn.
 * Deterministic for a seed; written in chunks so a 1M-row file never sits in memory whole.
 */
import fs from 'node:fs';
import { makeRng, type Rng } from '../src/model/rng';

const N_NUM = 18;
const CODES = [9, 13, 5, 7];
const CATS = [3, 8, 12, 20, 30, 40];

function gauss(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

export function productColumns(): string[] {
  return [
    'lead_id',
    ...Array.from({ length: N_NUM }, (_, j) => `num_${j + 1}`),
    ...CODES.map((_, j) => `code_${j + 1}`),
    ...CATS.map((_, j) => `cat_${j + 1}`),
    'flag_1',
    'flag_2',
    'converted',
  ];
}

export function writeProductCsv(file: string, n: number, seed = 7): void {
  const rng = makeRng(seed);
  const fd = fs.openSync(file, 'w');
  const effects = CATS.map((k) => Array.from({ length: k }, () => gauss(rng) * 0.6));
  const codeEffects = CODES.map((k) => Array.from({ length: k }, () => gauss(rng) * 0.5));
  try {
    fs.writeSync(fd, `${productColumns().join(',')}\n`);
    let buf: string[] = [];
    for (let i = 0; i < n; i++) {
      const cells: string[] = [String(100000 + i)];
      let logit = -1.5;
      for (let j = 0; j < N_NUM; j++) {
        const x = gauss(rng);
        if (j < 6) logit += [0.7, -0.5, 0.4, 0.3, -0.3, 0.2][j]! * x;
        cells.push(rng.next() < 0.02 ? '' : (x * 10 + 50).toFixed(3));
      }
      CODES.forEach((k, j) => {
        const c = Math.floor(rng.next() * k);
        logit += codeEffects[j]![c]!;
        cells.push(String(c + 1));
      });
      CATS.forEach((k, j) => {
        const c = Math.floor(rng.next() * k);
        logit += effects[j]![c]!;
        cells.push(rng.next() < 0.03 ? '' : `${['alpha', 'beta', 'gamma', 'delta'][j % 4]} ${c}`);
      });
      for (let j = 0; j < 2; j++) {
        const b = rng.next() < 0.4;
        if (b) logit += j === 0 ? 0.5 : -0.3;
        cells.push(b ? 'yes' : 'no');
      }
      cells.push(rng.next() < 1 / (1 + Math.exp(-logit)) ? '1' : '0');
      buf.push(cells.join(','));
      if (buf.length === 10_000) {
        fs.writeSync(fd, `${buf.join('\n')}\n`);
        buf = [];
      }
    }
    if (buf.length) fs.writeSync(fd, `${buf.join('\n')}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  writeProductCsv(file!, Number(n));
}

export interface HeldOutSplit {
  /** The oldest rows (file order), with the label: what `leadlens train --csv` reads. */
  train: string;
  /** The newest rows without the label column: what `leadlens score --csv` reads. */
  test: string;
  trainRows: number;
  /** The held-back labels (0/1) and ids of the test file's rows, in file order. */
  testLabels: Uint8Array;
  testIds: string[];
}

/**
 * Splits a bench:product CSV in file order as the peers do (bench/product-peers.py: the first
 * ⌊0.8 n⌋ rows train, the rest test), writing the test rows without the label column, so our
 * CLI is run as a user would for a held-out check. Files are written under a temporary name and
 * renamed, so a run cut short never leaves half a file that a later run would take as done.
 */
export function splitProductCsv(
  file: string,
  opts: { label: string; id: string; trainFraction?: number },
): HeldOutSplit {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = lines[0]!.split(',');
  const li = header.indexOf(opts.label);
  const ii = header.indexOf(opts.id);
  if (li < 0 || ii < 0) throw new Error(`${file}: no ${opts.label} or ${opts.id} column`);
  const n = lines.length - 1;
  // int(len(y) * 0.8) in the peer script.
  const cut = Math.floor(n * (opts.trainFraction ?? 0.8));
  const base = file.replace(/\.csv$/, '');
  const train = `${base}-train.csv`;
  const test = `${base}-test.csv`;
  const testLabels = new Uint8Array(n - cut);
  const testIds: string[] = new Array<string>(n - cut);
  const testLines: string[] = [header.filter((_, j) => j !== li).join(',')];
  for (let k = cut + 1; k <= n; k++) {
    // The generator writes no quoted cells, so a plain split is exact here.
    const cells = lines[k]!.split(',');
    if (cells.length !== header.length) throw new Error(`${file}: line ${k + 1} has a quoted cell`);
    testLabels[k - cut - 1] = cells[li] === '1' ? 1 : 0;
    testIds[k - cut - 1] = cells[ii]!;
    cells.splice(li, 1);
    testLines.push(cells.join(','));
  }
  const write = (target: string, body: () => string[]): void => {
    // Kept between runs, unless the source file is newer (written again since).
    if (fs.existsSync(target) && fs.statSync(target).mtimeMs >= fs.statSync(file).mtimeMs) return;
    const tmp = `${target}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      const parts = body();
      for (let s = 0; s < parts.length; s += 10_000) {
        fs.writeSync(fd, `${parts.slice(s, s + 10_000).join('\n')}\n`);
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  };
  write(train, () => lines.slice(0, cut + 1));
  write(test, () => testLines);
  return { train, test, trainRows: cut, testLabels, testIds };
}
