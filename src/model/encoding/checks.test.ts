import { checkTrainable, labelsFrom, requireLabelColumn } from './checks';
import { isModelError, type ModelErrorCode } from '../errors';

function codeOf(f: () => unknown): ModelErrorCode | undefined {
  try {
    f();
  } catch (e) {
    if (isModelError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('data checks', () => {
  it('reads 0/1, yes/no, won/lost and an explicit positive; empty = censored', () => {
    expect(labelsFrom([{ c: '1' }, { c: '0' }, { c: '' }], 'c')).toEqual([1, 0, null]);
    expect(labelsFrom([{ c: 'No' }, { c: 'Yes' }], 'c')).toEqual([0, 1]);
    expect(labelsFrom([{ c: 'Lost' }, { c: 'Won' }], 'c')).toEqual([0, 1]);
    expect(labelsFrom([{ c: 'SQL' }, { c: 'MQL' }], 'c', { positive: 'SQL' })).toEqual([1, 0]);
  });

  it('reads 1.0/0.0 and TRUE/FALSE; N/A and blank are open leads (null), not losses', () => {
    const rows = [{ c: '1.0' }, { c: '0.0' }, { c: 'N/A' }, { c: '' }, { c: '1.0' }];
    expect(labelsFrom(rows, 'c')).toEqual([1, 0, null, null, 1]);
    expect(labelsFrom([{ c: 'TRUE' }, { c: 'FALSE' }], 'c')).toEqual([1, 0]);
    // Numbers other than 1 and 0 still need --positive.
    expect(codeOf(() => labelsFrom([{ c: '2.0' }, { c: '1.5' }], 'c'))).toBe('UNKNOWN_POSITIVE');
  });

  it('merges label values that differ only in case, and --positive in any case', () => {
    const rows = [{ c: 'Won' }, { c: 'won ' }, { c: 'LOST' }, { c: 'Lost' }, { c: '' }];
    expect(labelsFrom(rows, 'c')).toEqual([1, 1, 0, 0, null]);
    expect(
      labelsFrom([{ c: 'SQL' }, { c: 'mql' }, { c: 'sql' }], 'c', { positive: 'sql' }),
    ).toEqual([1, 0, 1]);
    expect(codeOf(() => labelsFrom(rows, 'c', { positive: 'open' }))).toBe('UNKNOWN_POSITIVE');
  });

  it('empty input', () => {
    expect(() => labelsFrom([], 'c')).toThrow('The input has no data rows.');
    expect(codeOf(() => checkTrainable([]))).toBe('EMPTY_INPUT');
  });

  it('label column missing: names the column and lists what was found', () => {
    expect(() => requireLabelColumn(['a', 'b'], 'Converted')).toThrow(
      'The label column "Converted" is not in the data. Columns found: "a", "b".',
    );
    expect(codeOf(() => labelsFrom([{ a: '1' }], 'Converted'))).toBe('LABEL_MISSING');
  });

  it('label not binary: lists the distinct values', () => {
    const f = () => labelsFrom([{ c: 'new' }, { c: 'open' }, { c: 'won' }], 'c');
    expect(f).toThrow(
      'The label column "c" has 3 distinct values ("new", "open", "won"); it must have two.',
    );
    expect(codeOf(f)).toBe('LABEL_NOT_BINARY');
  });

  it('unknown positive value: says which values exist', () => {
    const f = () => labelsFrom([{ c: 'SQL' }, { c: 'MQL' }], 'c', { positive: 'Customer' });
    expect(f).toThrow(
      'The positive value "Customer" does not occur in "c"; values found: "MQL", "SQL".',
    );
    expect(codeOf(f)).toBe('UNKNOWN_POSITIVE');
    expect(codeOf(() => labelsFrom([{ c: 'SQL' }, { c: 'MQL' }], 'c'))).toBe('UNKNOWN_POSITIVE');
  });

  it('single class', () => {
    const f = () => labelsFrom([{ c: '0' }, { c: '0' }, { c: '' }], 'c');
    expect(f).toThrow(
      'Every known outcome in "c" is "0"; a model needs both converted and not converted leads.',
    );
    expect(codeOf(() => checkTrainable([0, 0, null]))).toBe('SINGLE_CLASS');
  });

  it('too few conversions: says how many there are and how many are needed', () => {
    const labels = [...Array(12).fill(1), ...Array(200).fill(0)];
    expect(() => checkTrainable(labels)).toThrow(
      'Only 12 converted leads among 212; at least 30 are needed to learn from.',
    );
    expect(codeOf(() => checkTrainable(labels))).toBe('TOO_FEW_POSITIVES');
    expect(() => checkTrainable(labels, { minPositives: 10 })).not.toThrow();
  });
});
