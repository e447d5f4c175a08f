/**
 * Time-ordered splits. Rows are ordered by time ascending (row order when no times are given,
 * ties kept in row order), censored rows (label unknown) are set aside, and the remaining rows
 * are cut into train → valid → test, oldest first. Never shuffled: the model is always judged
 * on leads that came after the ones it learned from.
 */
import { ModelError } from '../errors';

export type Label = 0 | 1 | null;

export interface TimeSplit {
  train: number[];
  valid: number[];
  test: number[];
  censored: number[];
}

export interface SplitOptions {
  /** Fractions of the labelled rows for validation and test (the newest rows). */
  valid?: number;
  test?: number;
}

export function timeOrder(n: number, times?: readonly number[]): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (!times) return idx;
  if (times.length !== n) {
    throw new ModelError(
      'INVALID_OPTIONS',
      `Got ${times.length} times for ${n} rows.`,
      'Pass one time per row.',
    );
  }
  times.forEach((t, i) => {
    if (!Number.isFinite(t)) {
      throw new ModelError(
        'INVALID_OPTIONS',
        `The time of row ${i + 1} is not a number.`,
        'Give every row a time (epoch ms or an increasing number).',
      );
    }
  });
  return idx.sort((a, b) => times[a]! - times[b]! || a - b);
}

export function splitByTime(
  labels: readonly Label[],
  times?: readonly number[],
  opts: SplitOptions = {},
): TimeSplit {
  const vf = opts.valid ?? 0.2;
  const tf = opts.test ?? 0.2;
  if (!(vf > 0 && tf >= 0 && vf + tf < 1)) {
    throw new ModelError(
      'INVALID_OPTIONS',
      `Split fractions valid=${vf}, test=${tf} are not usable.`,
      'Use valid > 0, test ≥ 0 and valid + test < 1.',
    );
  }
  const order = timeOrder(labels.length, times);
  const labelled = order.filter((i) => labels[i] !== null);
  const censored = order.filter((i) => labels[i] === null);
  const n = labelled.length;
  const nTest = Math.round(n * tf);
  const nValid = Math.round(n * vf);
  const trainEnd = n - nTest - nValid;
  return {
    train: labelled.slice(0, trainEnd),
    valid: labelled.slice(trainEnd, trainEnd + nValid),
    test: labelled.slice(trainEnd + nValid),
    censored,
  };
}
