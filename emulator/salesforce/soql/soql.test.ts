/** The SOQL subset: what parses, what Salesforce rejects, and how rows are filtered and shaped. */
import { Org } from '../org';
import { parseSoql, SoqlError } from './parse';
import { literalRange, prepare, shapeRow } from './eval';

const NOW = Date.parse('2026-05-15T12:00:00Z');
const DAY = 86_400_000;

function org(): Org {
  const o = new Org({ dailyMax: 1000, accessTtlMs: 0 });
  o.clockOffsetMs = NOW - Date.now();
  const opp = o.insert(
    'Opportunity',
    { Name: 'Deal', StageName: 'Closed Won', CloseDate: '2026-04-01', IsClosed: true, IsWon: true },
    NOW - 60 * DAY,
  );
  o.insert(
    'Lead',
    {
      LastName: "O'Brien",
      Company: 'Acme',
      Status: 'Closed - Converted',
      IsConverted: true,
      ConvertedOpportunityId: opp.Id,
      NumberOfEmployees: 120,
      Industry: 'Technology',
    },
    NOW - 90 * DAY,
  );
  o.insert(
    'Lead',
    {
      LastName: 'Smith',
      Company: 'Beta',
      Status: 'Open - Not Contacted',
      NumberOfEmployees: null,
      Industry: 'Retail',
    },
    NOW - 2 * DAY,
  );
  o.insert(
    'Lead',
    {
      LastName: 'smythe',
      Company: 'Gamma_1',
      Status: 'Working - Contacted',
      NumberOfEmployees: 40,
      Industry: null,
    },
    NOW - 10 * DAY,
  );
  return o;
}

const ids = (o: Org, q: string) =>
  prepare(o.source(), q, { includeDeleted: false }).ids.map((id) =>
    String(o.get('Lead', id)?.LastName),
  );

describe('SOQL parser', () => {
  it('parses the subset', () => {
    const q = parseSoql(
      "SELECT Id, ConvertedOpportunity.IsWon FROM Lead WHERE (Status LIKE 'Closed%' OR IsConverted = true) AND CreatedDate >= 2024-01-01T00:00:00Z AND Industry NOT IN ('Retail', null) ORDER BY CreatedDate DESC NULLS LAST, Id LIMIT 10 OFFSET 5",
    );
    expect(q.fields).toEqual([['Id'], ['ConvertedOpportunity', 'IsWon']]);
    expect(q.orderBy).toEqual([
      { path: ['CreatedDate'], desc: true, nullsLast: true },
      { path: ['Id'], desc: false, nullsLast: false },
    ]);
    expect([q.limit, q.offset]).toEqual([10, 5]);
    expect(parseSoql('select count() from lead').count).toBe(true);
  });

  it.each([
    ['mixing AND and OR without parentheses', 'SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3'],
    ['a subquery', 'SELECT Id, (SELECT Id FROM Tasks) FROM Lead'],
    ['GROUP BY', 'SELECT Industry FROM Lead GROUP BY Industry'],
    ['an aggregate other than COUNT()', 'SELECT MAX(NumberOfEmployees) FROM Lead'],
    ['a semi-join', 'SELECT Id FROM Lead WHERE Id IN (SELECT WhoId FROM Task)'],
    ['an unterminated string', "SELECT Id FROM Lead WHERE Name = 'x"],
    ['a trailing token', 'SELECT Id FROM Lead LIMIT 5 5'],
    ['an OFFSET over 2,000', 'SELECT Id FROM Lead OFFSET 2001'],
  ])('rejects %s as MALFORMED_QUERY', (_what, q) => {
    expect(() => parseSoql(q)).toThrow(expect.objectContaining({ errorCode: 'MALFORMED_QUERY' }));
  });

  it('points at the failing column like Salesforce', () => {
    try {
      parseSoql('SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3');
      throw new Error('parsed');
    } catch (e) {
      expect(e).toBeInstanceOf(SoqlError);
      expect((e as SoqlError).message).toContain('ERROR at Row:1:Column:43');
      expect((e as SoqlError).message).toContain("unexpected token: 'OR'");
    }
  });
});

describe('SOQL evaluation', () => {
  it('filters with case-insensitive names, strings and LIKE, nulls, IN, NOT', () => {
    const o = org();
    expect(ids(o, "select id from LEAD where lastname = 'SMITH'")).toEqual(['Smith']);
    expect(ids(o, "SELECT Id FROM Lead WHERE LastName LIKE 'sm%'")).toEqual(['Smith', 'smythe']);
    expect(ids(o, "SELECT Id FROM Lead WHERE Company LIKE 'Gamma\\_1'")).toEqual(['smythe']);
    expect(ids(o, "SELECT Id FROM Lead WHERE LastName = 'O\\'Brien'")).toEqual(["O'Brien"]);
    expect(ids(o, 'SELECT Id FROM Lead WHERE NumberOfEmployees = null')).toEqual(['Smith']);
    expect(ids(o, "SELECT Id FROM Lead WHERE Industry != 'Retail'")).toEqual(["O'Brien", 'smythe']);
    expect(ids(o, "SELECT Id FROM Lead WHERE Industry NOT IN ('Retail')")).toEqual([
      "O'Brien",
      'smythe',
    ]);
    expect(ids(o, 'SELECT Id FROM Lead WHERE NOT NumberOfEmployees > 50')).toEqual([
      'Smith',
      'smythe',
    ]);
    expect(ids(o, 'SELECT Id FROM Lead WHERE ConvertedOpportunity.IsWon = true')).toEqual([
      "O'Brien",
    ]);
  });

  it('orders with nulls first ascending and last descending, and pages with LIMIT/OFFSET', () => {
    const o = org();
    expect(ids(o, 'SELECT Id FROM Lead ORDER BY NumberOfEmployees')).toEqual([
      'Smith',
      'smythe',
      "O'Brien",
    ]);
    expect(ids(o, 'SELECT Id FROM Lead ORDER BY NumberOfEmployees DESC')).toEqual([
      "O'Brien",
      'smythe',
      'Smith',
    ]);
    expect(
      ids(o, 'SELECT Id FROM Lead ORDER BY NumberOfEmployees DESC NULLS FIRST LIMIT 2 OFFSET 1'),
    ).toEqual(["O'Brien", 'smythe']);
  });

  it('reads date-times unquoted and date literals relative to the org clock', () => {
    const o = org();
    expect(ids(o, 'SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:7')).toEqual(['Smith']);
    expect(ids(o, 'SELECT Id FROM Lead WHERE CreatedDate > 2026-05-01T00:00:00Z')).toEqual([
      'Smith',
      'smythe',
    ]);
    expect(ids(o, 'SELECT Id FROM Lead WHERE CreatedDate < 2026-05-01T00:00:00+02:00')).toEqual([
      "O'Brien",
    ]);
    expect(literalRange('THIS_QUARTER', null, NOW)).toEqual([
      Date.UTC(2026, 3, 1),
      Date.UTC(2026, 6, 1),
    ]);
    expect(literalRange('LAST_N_MONTHS', 2, NOW)).toEqual([
      Date.UTC(2026, 2, 1),
      Date.UTC(2026, 4, 1),
    ]);
  });

  it.each([
    [
      'a quoted date-time',
      "SELECT Id FROM Lead WHERE CreatedDate > '2026-01-01T00:00:00Z'",
      'INVALID_QUERY_FILTER_OPERATOR',
    ],
    [
      'a date for a date-time field',
      'SELECT Id FROM Lead WHERE CreatedDate > 2026-01-01',
      'INVALID_QUERY_FILTER_OPERATOR',
    ],
    [
      'an unquoted string',
      'SELECT Id FROM Lead WHERE LastName = 5',
      'INVALID_QUERY_FILTER_OPERATOR',
    ],
    ['an unknown field', 'SELECT Id, Nope__c FROM Lead', 'INVALID_FIELD'],
    ['an unknown relationship', 'SELECT Nope.Name FROM Lead', 'INVALID_FIELD'],
    ['an unknown object', 'SELECT Id FROM Nope__c', 'INVALID_TYPE'],
    [
      'a long text filter',
      "SELECT Id FROM Lead WHERE LastName = 'x' AND Id = 'y' AND Status = 'z'",
      null,
    ],
  ])('%s', (_what, q, code) => {
    const o = org();
    if (code === null)
      expect(() => prepare(o.source(), q, { includeDeleted: false })).not.toThrow();
    else
      expect(() => prepare(o.source(), q, { includeDeleted: false })).toThrow(
        expect.objectContaining({ errorCode: code }),
      );
  });

  it('shapes rows: attributes first, SELECT order, parents nested or null, REST date-times', () => {
    const o = org();
    const ds = o.source();
    const p = prepare(
      ds,
      'SELECT LastName, ConvertedOpportunity.IsWon, CreatedDate FROM Lead ORDER BY CreatedDate',
      { includeDeleted: false },
    );
    const rows = p.ids.map((id) => shapeRow(ds, p, o.get('Lead', id)!));
    expect(Object.keys(rows[0])).toEqual([
      'attributes',
      'LastName',
      'ConvertedOpportunity',
      'CreatedDate',
    ]);
    expect(rows[0].ConvertedOpportunity).toEqual({
      attributes: {
        type: 'Opportunity',
        url: expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Opportunity\/006/),
      },
      IsWon: true,
    });
    expect(rows[1].ConvertedOpportunity).toBeNull();
    expect(rows[0].CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  });

  it('hides fields without field-level security', () => {
    const o = org();
    o.addCustomField('Lead', { name: 'Secret__c', label: 'Secret', type: 'string', length: 10 });
    expect(() =>
      prepare(o.source(), 'SELECT Secret__c FROM Lead', { includeDeleted: false }),
    ).toThrow(expect.objectContaining({ errorCode: 'INVALID_FIELD' }));
  });
});
