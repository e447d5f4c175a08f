/**
 * The real data sets the benches read in place from ../shared/datasets (never copied into the
 * project), and what both model benches (bench/model.ts, bench/real.ts) leave out of X Education.
 */
import path from 'node:path';
import { readCsvFile, type CsvRow } from '../src/crm/csv/read';
import { labelsFrom, type Label } from '../src/model';

export const DATASETS = path.resolve(__dirname, '../../shared/datasets');
export const XEDU_CSV = path.join(DATASETS, 'x-education-leads/Leads.csv');

/** X Education's columns filled in after the first contact, some from its outcome (Tags, Lead
 * Quality): what a user who exports every column would train on (bench/robust.ts). */
export const XEDU_POST_OUTCOME = [
  'Tags',
  'Lead Quality',
  'Lead Profile',
  'Asymmetrique Activity Index',
  'Asymmetrique Profile Index',
  'Asymmetrique Activity Score',
  'Asymmetrique Profile Score',
  'Last Activity',
  'Last Notable Activity',
];

/** Post-contact and outcome-like X Education columns (reference/ml.md §4.5 "form/web only"),
 * plus the ids and the label. */
export const XEDU_EXCLUDE = [
  'Prospect ID',
  'Lead Number',
  'Converted',
  ...XEDU_POST_OUTCOME,
  'What is your current occupation',
  'What matters most to you in choosing a course',
];

export interface XEducation {
  columns: string[];
  /** Every column of the file, in file order. */
  rows: CsvRow[];
  /** `Converted`. */
  labels: Label[];
  /** `Lead Number`: the set's only order in time. */
  times: number[];
}

/** X Education's 9,240 leads as the file has them, with their labels and times. */
export function readXEducation(): XEducation {
  const t = readCsvFile(XEDU_CSV);
  return {
    columns: t.columns,
    rows: t.rows,
    labels: labelsFrom(t.rows, 'Converted'),
    times: t.rows.map((r) => Number(r['Lead Number'])),
  };
}
