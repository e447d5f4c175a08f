/**
 * CRM values arrive as strings ("12.5", "true", ISO or epoch-ms dates, "a;b" multi-select).
 * These helpers type them once the feature's type is known. Unparseable values become null
 * (missing) rather than a guess, so a bad value never becomes a confident signal.
 */
import type { CrmRecord } from '../contracts/records';

export const DAY_MS = 86_400_000;

export type FeatureValue = string | number | boolean | null | string[];

export function parseNumber(raw: string | null | undefined): number | null {
  if (raw == null) return null;
  const s = raw.trim();
  if (s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

export function parseBool(raw: string | null | undefined): boolean | null {
  if (raw == null) return null;
  const s = raw.trim().toLowerCase();
  if (s === 'true' || s === 'yes' || s === '1') return true;
  if (s === 'false' || s === 'no' || s === '0') return false;
  return null;
}

/** Epoch ms from an ISO datetime, a `YYYY-MM-DD` date (UTC midnight) or an epoch-ms string. */
export function parseDate(raw: string | null | undefined): number | null {
  if (raw == null) return null;
  const s = raw.trim();
  if (s === '') return null;
  if (/^-?\d{9,}$/.test(s)) return Number(s);
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

export function parseMulti(raw: string | null | undefined): string[] | null {
  if (raw == null) return null;
  const parts = raw
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return parts.length ? parts : null;
}

export function parseCategory(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const s = raw.trim();
  return s === '' ? null : s;
}

/**
 * The value a property had at `asOf` (epoch ms). With history (oldest first), the last version
 * recorded at or before `asOf`; an empty history means it never had a value. Without history
 * the current value is used only when the record has not changed since `asOf`, because any
 * later change might have been this property.
 */
export function valueAt(record: CrmRecord, property: string, asOf: number): string | null {
  const versions = record.history[property];
  if (versions) {
    let value: string | null = null;
    for (const v of versions) {
      const t = parseDate(v.timestamp);
      if (t === null || t > asOf) break;
      value = v.value;
    }
    return value;
  }
  const updated = parseDate(record.updatedAt);
  if (updated !== null && updated <= asOf) return record.properties[property] ?? null;
  return null;
}

/** Timestamps (ms, ascending) at which a property's value changed, up to and including `asOf`. */
export function changesUpTo(
  record: CrmRecord,
  property: string,
  asOf: number,
): Array<{ t: number; value: string | null }> {
  const out: Array<{ t: number; value: string | null }> = [];
  for (const v of record.history[property] ?? []) {
    const t = parseDate(v.timestamp);
    if (t === null || t > asOf) break;
    out.push({ t, value: v.value });
  }
  return out;
}
