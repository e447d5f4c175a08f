/**
 * A text key that sorts ids numerically when they are numeric ("9" < "10") and places any
 * non-numeric id after every numeric one, in plain text order. SQLite compares it as text,
 * so paging stays one index range scan. The key is one-to-one with the id (it keeps leading
 * zeros), so it can carry a unique index.
 */
const NUMERIC = /^\d{1,99}$/;

export function sortKey(id: string): string {
  // Length prefix then the digits: shorter numbers sort first, equal lengths digit by digit.
  if (NUMERIC.test(id)) return `0${String(id.length).padStart(2, '0')}${id}`;
  return `1${id}`;
}
