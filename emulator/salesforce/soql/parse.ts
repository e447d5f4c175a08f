/**
 * A recursive-descent parser for the SOQL subset LeadLens relies on (reference/salesforce.md
 * §2; Salesforce's SOQL reference "SELECT", "WHERE", "Date Formats and Date Literals"):
 *
 *   SELECT field[, …] | COUNT() FROM Object [WHERE cond] [ORDER BY field [ASC|DESC]
 *   [NULLS FIRST|LAST][, …]] [LIMIT n] [OFFSET n]
 *
 * where `cond` combines `field op value`, `field [NOT] IN (values)`, `field LIKE 'p%'`, NOT and
 * parentheses. Like Salesforce, AND and OR may not be mixed at one level without parentheses.
 * Anything else (GROUP BY, subqueries, TYPEOF, aggregates other than COUNT(), semi-joins) is a
 * MALFORMED_QUERY — stricter than Salesforce, never looser.
 */
export class SoqlError extends Error {
  constructor(
    readonly errorCode:
      'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR',
    message: string,
  ) {
    super(message);
  }
}

export type Literal =
  | { kind: 'string'; v: string }
  | { kind: 'number'; v: number }
  | { kind: 'bool'; v: boolean }
  | { kind: 'null' }
  | { kind: 'date'; v: string }
  | { kind: 'datetime'; ms: number }
  | { kind: 'dateLiteral'; name: string; n: number | null };

export type Cond =
  | { kind: 'and' | 'or'; items: Cond[] }
  | { kind: 'not'; item: Cond }
  | { kind: 'cmp'; path: string[]; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Literal }
  | { kind: 'in'; path: string[]; not: boolean; values: Literal[] }
  | { kind: 'like'; path: string[]; pattern: string };

export interface OrderItem {
  path: string[];
  desc: boolean;
  nullsLast: boolean;
}

export interface Query {
  count: boolean;
  fields: string[][];
  from: string;
  where: Cond | null;
  orderBy: OrderItem[];
  limit: number | null;
  offset: number | null;
}

type Tok =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; raw: string; pos: number }
  | { t: 'date'; v: string; pos: number }
  | { t: 'datetime'; ms: number; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'punct'; v: '(' | ')' | ',' | ':'; pos: number }
  | { t: 'eof'; pos: number };

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?![\dT])/;

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw malformed(src, i, msg);
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    const dt = DATETIME.exec(rest);
    if (dt) {
      const ms = Date.parse(
        dt[0].replace(/(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/, (_m, f, z) => `${f ?? ''}${z}`),
      );
      if (!Number.isFinite(ms)) fail(`invalid date-time literal ${dt[0]}`);
      out.push({ t: 'datetime', ms, pos: i });
      i += dt[0].length;
      continue;
    }
    const d = DATE.exec(rest);
    if (d) {
      if (!Number.isFinite(Date.parse(`${d[0]}T00:00:00Z`))) fail(`invalid date literal ${d[0]}`);
      out.push({ t: 'date', v: d[0], pos: i });
      i += d[0].length;
      continue;
    }
    if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= src.length) fail('unterminated string literal');
        const ch = src[j];
        if (ch === '\\') {
          const e = src[j + 1];
          const map: Record<string, string> = {
            n: '\n',
            r: '\r',
            t: '\t',
            b: '\b',
            f: '\f',
            "'": "'",
            '"': '"',
            '\\': '\\',
            _: '\\_',
            '%': '\\%',
          };
          if (e === undefined || !(e in map)) fail(`invalid escape sequence \\${e ?? ''}`);
          v += map[e];
          j += 2;
          continue;
        }
        if (ch === "'") break;
        v += ch;
        j++;
      }
      out.push({ t: 'string', v, pos: i });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num) {
      out.push({ t: 'number', v: Number(num[0]), raw: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest);
    if (id) {
      out.push({ t: 'ident', v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = /^(!=|<>|<=|>=|=|<|>)/.exec(rest);
    if (op) {
      out.push({ t: 'op', v: op[0] === '<>' ? '!=' : op[0], pos: i });
      i += op[0].length;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      out.push({ t: 'punct', v: c, pos: i });
      i++;
      continue;
    }
    fail(`unexpected character '${c}'`);
  }
  out.push({ t: 'eof', pos: src.length });
  return out;
}

/** Salesforce echoes the query with a caret under the failing column. */
export function caret(src: string, pos: number, message: string): string {
  const before = src.slice(0, pos);
  const row = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `\n${src}\n${' '.repeat(Math.max(0, col - 1))}^\nERROR at Row:${row}:Column:${col}\n${message}`;
}

function malformed(src: string, pos: number, message: string): SoqlError {
  return new SoqlError('MALFORMED_QUERY', caret(src, pos, message));
}

const RESERVED = new Set([
  'select',
  'from',
  'where',
  'and',
  'or',
  'not',
  'in',
  'like',
  'order',
  'by',
  'asc',
  'desc',
  'nulls',
  'first',
  'last',
  'limit',
  'offset',
  'group',
  'having',
  'null',
  'true',
  'false',
  'with',
  'for',
  'typeof',
  'includes',
  'excludes',
]);

/** Date literals with and without `:n` (SOQL "Date Formats and Date Literals"). */
export const DATE_LITERALS = new Set([
  'YESTERDAY',
  'TODAY',
  'TOMORROW',
  'LAST_WEEK',
  'THIS_WEEK',
  'NEXT_WEEK',
  'LAST_MONTH',
  'THIS_MONTH',
  'NEXT_MONTH',
  'LAST_90_DAYS',
  'NEXT_90_DAYS',
  'THIS_QUARTER',
  'LAST_QUARTER',
  'NEXT_QUARTER',
  'THIS_YEAR',
  'LAST_YEAR',
  'NEXT_YEAR',
]);
export const DATE_LITERALS_N = new Set([
  'LAST_N_DAYS',
  'NEXT_N_DAYS',
  'LAST_N_WEEKS',
  'NEXT_N_WEEKS',
  'LAST_N_MONTHS',
  'NEXT_N_MONTHS',
  'LAST_N_QUARTERS',
  'NEXT_N_QUARTERS',
  'LAST_N_YEARS',
  'NEXT_N_YEARS',
  'N_DAYS_AGO',
]);

export function parseSoql(src: string): Query {
  const toks = lex(src);
  let k = 0;
  const peek = () => toks[k];
  const next = () => toks[k++];
  const isWord = (w: string, tok: Tok = peek()) => tok.t === 'ident' && tok.v.toLowerCase() === w;
  const unexpected = (tok: Tok = peek()): never => {
    const shown =
      tok.t === 'eof'
        ? '<EOF>'
        : tok.t === 'string'
          ? `'${tok.v}'`
          : tok.t === 'datetime'
            ? new Date(tok.ms).toISOString()
            : 'v' in tok
              ? String(tok.v)
              : '';
    throw malformed(src, tok.pos, `unexpected token: '${shown}'`);
  };
  const expectWord = (w: string) => {
    if (!isWord(w)) unexpected();
    k++;
  };
  const expectPunct = (p: string) => {
    const tok = next();
    if (tok.t !== 'punct' || tok.v !== p) unexpected(tok);
  };
  const path = (): string[] => {
    const tok = next();
    if (tok.t !== 'ident' || RESERVED.has(tok.v.toLowerCase())) unexpected(tok);
    return (tok as { v: string }).v.split('.');
  };

  expectWord('select');
  let count = false;
  const fields: string[][] = [];
  if (isWord('count') && toks[k + 1]?.t === 'punct') {
    k++;
    expectPunct('(');
    if (peek().t !== 'punct') unexpected(); // COUNT(field) is an aggregate we do not emulate
    expectPunct(')');
    count = true;
  } else {
    for (;;) {
      if (peek().t === 'punct' && (peek() as { v: string }).v === '(') unexpected(); // subquery
      const p = path();
      if (peek().t === 'punct' && (peek() as { v: string }).v === '(') unexpected(); // function
      fields.push(p);
      if (peek().t === 'punct' && (peek() as { v: string }).v === ',') {
        k++;
        continue;
      }
      break;
    }
  }
  expectWord('from');
  const fromTok = next();
  if (fromTok.t !== 'ident' || fromTok.v.includes('.') || RESERVED.has(fromTok.v.toLowerCase()))
    unexpected(fromTok);
  const from = (fromTok as { v: string }).v;

  const literal = (): Literal => {
    const tok = next();
    switch (tok.t) {
      case 'string':
        return { kind: 'string', v: tok.v };
      case 'number':
        return { kind: 'number', v: tok.v };
      case 'date':
        return { kind: 'date', v: tok.v };
      case 'datetime':
        return { kind: 'datetime', ms: tok.ms };
      case 'ident': {
        const w = tok.v.toUpperCase();
        if (w === 'NULL') return { kind: 'null' };
        if (w === 'TRUE' || w === 'FALSE') return { kind: 'bool', v: w === 'TRUE' };
        if (DATE_LITERALS.has(w)) return { kind: 'dateLiteral', name: w, n: null };
        if (DATE_LITERALS_N.has(w)) {
          expectPunct(':');
          const n = next();
          if (n.t !== 'number' || !Number.isInteger(n.v) || n.v < 0) unexpected(n);
          return { kind: 'dateLiteral', name: w, n: (n as { v: number }).v };
        }
        return unexpected(tok);
      }
      default:
        return unexpected(tok);
    }
  };

  const primary = (): Cond => {
    if (peek().t === 'punct' && (peek() as { v: string }).v === '(') {
      k++;
      const c = orCond();
      expectPunct(')');
      return c;
    }
    if (isWord('not')) {
      k++;
      return { kind: 'not', item: primary() };
    }
    const p = path();
    const tok = peek();
    if (tok.t === 'op') {
      k++;
      return { kind: 'cmp', path: p, op: tok.v as '=', value: literal() };
    }
    if (isWord('like')) {
      k++;
      const s = next();
      if (s.t !== 'string') unexpected(s);
      return { kind: 'like', path: p, pattern: (s as { v: string }).v };
    }
    let not = false;
    if (isWord('not')) {
      k++;
      not = true;
      if (!isWord('in')) unexpected();
    }
    if (isWord('in')) {
      k++;
      expectPunct('(');
      if (isWord('select')) unexpected(); // semi-joins are not emulated
      const values: Literal[] = [literal()];
      while (peek().t === 'punct' && (peek() as { v: string }).v === ',') {
        k++;
        values.push(literal());
      }
      expectPunct(')');
      return { kind: 'in', path: p, not, values };
    }
    return unexpected(tok);
  };

  // AND and OR at the same level need parentheses in SOQL.
  const orCond = (): Cond => {
    const first = primary();
    const join = isWord('and') ? 'and' : isWord('or') ? 'or' : null;
    if (!join) return first;
    const items = [first];
    while (isWord(join)) {
      k++;
      items.push(primary());
    }
    if (isWord(join === 'and' ? 'or' : 'and')) unexpected();
    return { kind: join, items };
  };

  let where: Cond | null = null;
  if (isWord('where')) {
    k++;
    where = orCond();
  }
  const orderBy: OrderItem[] = [];
  if (isWord('order')) {
    k++;
    expectWord('by');
    for (;;) {
      const p = path();
      let desc = false;
      if (isWord('asc')) k++;
      else if (isWord('desc')) {
        k++;
        desc = true;
      }
      // Salesforce's default: nulls first ascending, last descending.
      let nullsLast = desc;
      if (isWord('nulls')) {
        k++;
        if (isWord('first')) nullsLast = false;
        else if (isWord('last')) nullsLast = true;
        else unexpected();
        k++;
      }
      orderBy.push({ path: p, desc, nullsLast });
      if (peek().t === 'punct' && (peek() as { v: string }).v === ',') {
        k++;
        continue;
      }
      break;
    }
  }
  const intClause = (): number => {
    const n = next();
    if (n.t !== 'number' || !Number.isInteger(n.v) || n.v < 0) unexpected(n);
    return (n as { v: number }).v;
  };
  let limit: number | null = null;
  let offset: number | null = null;
  if (isWord('limit')) {
    k++;
    limit = intClause();
  }
  if (isWord('offset')) {
    k++;
    offset = intClause();
    if (offset > 2000)
      throw new SoqlError('MALFORMED_QUERY', 'Maximum SOQL offset allowed is 2000');
  }
  if (peek().t !== 'eof') unexpected();
  return { count, fields, from, where, orderBy, limit, offset };
}
