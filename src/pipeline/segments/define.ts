/**
 * Which admin segment a record belongs to. Membership is point-in-time like every feature: a
 * training row is put in the segment its property had at the row's asOf (a lead whose source
 * was rewritten after it converted must not move segments with its outcome), and scoring puts a
 * record in the segment of its value as of the scoring moment. First match wins.
 */
import type { CrmRecord } from '../../contracts/records';
import { valueAt } from '../../features';

/** The key of the first segment whose property had one of its values at `asOf`, or null. */
/** What membership reads of a segment (the settings' or a stored segment model's). */
export interface SegmentRule {
  key: string;
  property: string;
  values: readonly string[];
}

export function segmentOf(
  record: CrmRecord,
  asOf: number,
  segments: readonly SegmentRule[],
): string | null {
  for (const s of segments) {
    const v = valueAt(record, s.property, asOf);
    if (v !== null && s.values.includes(v.trim())) return s.key;
  }
  return null;
}

/** The properties segments read: sync must read them (with history) whether or not they are features. */
export function segmentProperties(segments: readonly SegmentRule[]): string[] {
  return [...new Set(segments.map((s) => s.property))].sort();
}
