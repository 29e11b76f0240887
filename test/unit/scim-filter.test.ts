import { ScimError } from '../../src/scim/scim-error';
import {
  compileFilter,
  sortColumn,
  USER_FILTER_SCHEMA,
  MAX_FILTER_DEPTH,
  type ResourceSchema,
} from '../../src/scim/filter';

const compile = (filter: string, firstParam?: number) => compileFilter(filter, USER_FILTER_SCHEMA, firstParam);
const EMAILS = `jsonb_array_elements(CASE WHEN jsonb_typeof(r.emails) = 'array' THEN r.emails END) AS e(v)`;
const PRIMARY = `(CASE lower(e.v->>'primary') WHEN 'true' THEN true WHEN 'false' THEN false END)`;
const ID = '6f1c1e8e-3b7a-4c1e-9a51-2f0d3c4b5a69';

function errorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError');
}

function expectInvalidFilter(filter: string, detail?: RegExp): void {
  const error = errorOf(() => compile(filter));
  expect(error.status).toBe(400);
  expect(error.scimType).toBe('invalidFilter');
  expect(error.detail.length).toBeLessThan(200);
  if (detail) expect(error.detail).toMatch(detail);
}

describe('compileFilter: attribute operators', () => {
  it('compares case-insensitive strings with lower() on both sides', () => {
    expect(compile('userName eq "Alice@Example.com"')).toEqual({
      sql: 'lower(r.user_name) = lower($1::text)',
      params: ['Alice@Example.com'],
    });
    expect(compile('displayName ne "x"')).toEqual({
      sql: 'lower(r.display_name) IS DISTINCT FROM lower($1::text)',
      params: ['x'],
    });
    expect(compile('name.givenName gt "b"')).toEqual({ sql: 'lower(r.given_name) > lower($1::text)', params: ['b'] });
    expect(compile('name.familyName ge "b"').sql).toBe('lower(r.family_name) >= lower($1::text)');
    expect(compile('userName lt "b"').sql).toBe('lower(r.user_name) < lower($1::text)');
    expect(compile('userName le "b"').sql).toBe('lower(r.user_name) <= lower($1::text)');
  });

  it('compares case-exact strings as they are', () => {
    expect(compile('externalId eq "abc"')).toEqual({ sql: 'r.external_id = $1::text', params: ['abc'] });
    expect(compile('externalId ne "abc"')).toEqual({ sql: 'r.external_id IS DISTINCT FROM $1::text', params: ['abc'] });
    expect(compile('externalId co "b"')).toEqual({ sql: 'r.external_id LIKE $1::text', params: ['%b%'] });
  });

  it('turns co, sw and ew into LIKE with %, _ and \\ escaped', () => {
    expect(compile('userName co "50%_off\\\\"')).toEqual({
      sql: 'lower(r.user_name) LIKE lower($1::text)',
      params: ['%50\\%\\_off\\\\%'],
    });
    expect(compile('userName sw "a_b"').params).toEqual(['a\\_b%']);
    expect(compile('userName ew "@acme.com"').params).toEqual(['%@acme.com']);
  });

  it('treats pr as not null, and for strings not empty', () => {
    expect(compile('displayName pr')).toEqual({
      sql: `(r.display_name IS NOT NULL AND r.display_name <> '')`,
      params: [],
    });
    expect(compile('active pr').sql).toBe('(r.active IS NOT NULL)');
    expect(compile('meta.created pr').sql).toBe('(r.created_at IS NOT NULL)');
  });

  it('treats null as unassigned with eq and ne', () => {
    expect(compile('displayName eq null').sql).toBe(`(NOT (r.display_name IS NOT NULL AND r.display_name <> ''))`);
    expect(compile('displayName ne NULL').sql).toBe(`(r.display_name IS NOT NULL AND r.display_name <> '')`);
  });

  it('accepts booleans as literals and as the strings Entra sends', () => {
    expect(compile('active eq true')).toEqual({ sql: 'r.active = $1::boolean', params: [true] });
    expect(compile('active eq False')).toEqual({ sql: 'r.active = $1::boolean', params: [false] });
    expect(compile('active eq "False"')).toEqual({ sql: 'r.active = $1::boolean', params: [false] });
    expect(compile('active eq "TRUE"').params).toEqual([true]);
    expect(compile('active ne false')).toEqual({ sql: 'r.active IS DISTINCT FROM $1::boolean', params: [false] });
  });

  it('compares dateTimes as timestamptz, normalized to UTC', () => {
    expect(compile('meta.lastModified gt "2011-05-13T04:42:34Z"')).toEqual({
      sql: 'r.updated_at > $1::timestamptz',
      params: ['2011-05-13T04:42:34Z'],
    });
    expect(compile('meta.created ge "2024-01-01T01:30:00.123456+02:00"').params).toEqual([
      '2023-12-31T23:30:00.123456Z',
    ]);
    expect(compile('meta.created lt "2024-02-29T23:00:00-23:59"').params).toEqual(['2024-03-01T22:59:00Z']);
    expect(compile('meta.created le "2016-12-31T23:59:60Z"').params).toEqual(['2017-01-01T00:00:00Z']);
    expect(compile('meta.created eq "2024-01-01t00:00:00z"').sql).toBe('r.created_at = $1::timestamptz');
    expect(compile('meta.created ne "2024-01-01T00:00:00Z"').sql).toBe('r.created_at IS DISTINCT FROM $1::timestamptz');
  });

  it('compares ids as uuids, and a value that is not a uuid matches nothing instead of failing', () => {
    expect(compile(`id eq "${ID}"`)).toEqual({ sql: 'r.id = $1::uuid', params: [ID] });
    expect(compile(`id eq "${ID.toUpperCase()}"`).params).toEqual([ID.toUpperCase()]);
    expect(compile('id eq "not-a-uuid"')).toEqual({ sql: 'false', params: [] });
    expect(compile('id ne "not-a-uuid"')).toEqual({ sql: 'true', params: [] });
    expect(compile(`id ne "${ID}"`)).toEqual({ sql: 'r.id IS DISTINCT FROM $1::uuid', params: [ID] });
    expect(compile('id sw "6F1C"')).toEqual({ sql: 'r.id::text LIKE lower($1::text)', params: ['6F1C%'] });
    expect(compile('id co "-"').params).toEqual(['%-%']);
    expect(compile('id gt "6"')).toEqual({ sql: 'r.id::text > lower($1::text)', params: ['6'] });
  });
});

describe('compileFilter: multi-valued attributes', () => {
  it('matches any element, defaulting to the value sub-attribute', () => {
    expect(compile('emails eq "a@b.c"')).toEqual({
      sql: `EXISTS (SELECT 1 FROM ${EMAILS} WHERE lower((e.v->>'value')) = lower($1::text))`,
      params: ['a@b.c'],
    });
    expect(compile('emails co "@acme.com"').sql).toBe(
      `EXISTS (SELECT 1 FROM ${EMAILS} WHERE lower((e.v->>'value')) LIKE lower($1::text))`,
    );
    expect(compile('emails.value eq "x"').sql).toBe(compile('emails eq "x"').sql);
    expect(compile('Emails.Type eq "work"').sql).toBe(
      `EXISTS (SELECT 1 FROM ${EMAILS} WHERE lower((e.v->>'type')) = lower($1::text))`,
    );
  });

  it('reads jsonb booleans without casting arbitrary strings', () => {
    expect(compile('emails.primary eq true')).toEqual({
      sql: `EXISTS (SELECT 1 FROM ${EMAILS} WHERE ${PRIMARY} = $1::boolean)`,
      params: [true],
    });
  });

  it('treats pr as a non-empty array, or as any element having the sub-attribute', () => {
    expect(compile('emails pr').sql).toBe(
      `(COALESCE(jsonb_array_length(CASE WHEN jsonb_typeof(r.emails) = 'array' THEN r.emails END), 0) > 0)`,
    );
    expect(compile('emails.display pr').sql).toBe(
      `EXISTS (SELECT 1 FROM ${EMAILS} WHERE ((e.v->>'display') IS NOT NULL AND (e.v->>'display') <> ''))`,
    );
  });

  it('compiles value filters into one EXISTS over the same element', () => {
    expect(compile('emails[type eq "work" and value co "@acme.com"]')).toEqual({
      sql: `EXISTS (SELECT 1 FROM ${EMAILS} WHERE (lower((e.v->>'type')) = lower($1::text) AND lower((e.v->>'value')) LIKE lower($2::text)))`,
      params: ['work', '%@acme.com%'],
    });
    expect(compile('emails[not (type eq "work") or primary eq "True"]').sql).toBe(
      `EXISTS (SELECT 1 FROM ${EMAILS} WHERE ((NOT COALESCE(lower((e.v->>'type')) = lower($1::text), false)) OR ${PRIMARY} = $2::boolean))`,
    );
  });
});

describe('compileFilter: logic and syntax', () => {
  it('gives and precedence over or, and keeps explicit grouping', () => {
    expect(compile('userName eq "a" or userName eq "b" and active eq true').sql).toBe(
      '(lower(r.user_name) = lower($1::text) OR (lower(r.user_name) = lower($2::text) AND r.active = $3::boolean))',
    );
    expect(compile('(userName eq "a" or userName eq "b") and active eq true').sql).toBe(
      '((lower(r.user_name) = lower($1::text) OR lower(r.user_name) = lower($2::text)) AND r.active = $3::boolean)',
    );
    expect(compile('userName eq "a" and userName eq "b" and userName eq "c"').sql).toBe(
      '(lower(r.user_name) = lower($1::text) AND lower(r.user_name) = lower($2::text) AND lower(r.user_name) = lower($3::text))',
    );
  });

  it('negates with NULL counted as no match', () => {
    expect(compile('not (displayName eq "x")')).toEqual({
      sql: '(NOT COALESCE(lower(r.display_name) = lower($1::text), false))',
      params: ['x'],
    });
    expect(compile('not(not (active eq true))').sql).toBe(
      '(NOT COALESCE((NOT COALESCE(r.active = $1::boolean, false)), false))',
    );
  });

  it('is case-insensitive in operators, keywords and attribute names, and accepts the core User URN', () => {
    const expected = compile('userName eq "x" and not (active eq true)').sql;
    expect(compile('USERNAME EQ "x" AND NOT (Active Eq TRUE)').sql).toBe(expected);
    expect(compile('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x" and not (active eq true)').sql).toBe(
      expected,
    );
    expect(compile('URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.givenName eq "x"').sql).toBe(
      'lower(r.given_name) = lower($1::text)',
    );
    expect(compile('META.LASTMODIFIED gt "2024-01-01T00:00:00Z"').sql).toBe('r.updated_at > $1::timestamptz');
  });

  it('decodes JSON string escapes', () => {
    expect(compile('userName eq "a\\\\"').params).toEqual(['a\\']);
    expect(compile('userName eq "a\\\\b"').params).toEqual(['a\\b']);
    expect(compile('userName eq "\\u00e9\\t\\/"').params).toEqual(['é\t/']);
    expect(compile('userName eq "say \\"hi\\""').params).toEqual(['say "hi"']);
  });

  it('numbers placeholders from firstParam', () => {
    expect(compile('userName eq "a" or emails[type eq "work" and value ew "x"] or active eq false', 4)).toEqual({
      sql: `(lower(r.user_name) = lower($4::text) OR EXISTS (SELECT 1 FROM ${EMAILS} WHERE (lower((e.v->>'type')) = lower($5::text) AND lower((e.v->>'value')) LIKE lower($6::text))) OR r.active = $7::boolean)`,
      params: ['a', 'work', '%x', false],
    });
    expect(compile('id eq "nope" or userName eq "a"', 3)).toEqual({
      sql: '(false OR lower(r.user_name) = lower($3::text))',
      params: ['a'],
    });
    expect(() => compile('userName eq "a"', 0)).toThrow(RangeError);
    expect(() => compile('userName eq "a"', 1.5)).toThrow(RangeError);
  });

  it('accepts nesting up to the limit', () => {
    const nested = (depth: number) => `${'('.repeat(depth)}userName eq "x"${')'.repeat(depth)}`;
    expect(compile(nested(MAX_FILTER_DEPTH)).sql).toBe('lower(r.user_name) = lower($1::text)');
    expectInvalidFilter(nested(MAX_FILTER_DEPTH + 1), /nested deeper than 20/);
    expectInvalidFilter(
      `${'not ('.repeat(MAX_FILTER_DEPTH + 1)}active eq true${')'.repeat(MAX_FILTER_DEPTH + 1)}`,
      /nested deeper/,
    );
  });
});

describe('compileFilter: values travel only in params', () => {
  it.each([
    ['userName eq "x\\" OR 1=1 --"', 'x" OR 1=1 --'],
    [`userName eq "'; DROP TABLE scim_record; --"`, `'; DROP TABLE scim_record; --`],
    [`userName eq "\\u0027) OR (1=1"`, `') OR (1=1`],
    ['userName eq "$1"', '$1'],
  ])('%s', (filter, value) => {
    expect(compile(filter)).toEqual({ sql: 'lower(r.user_name) = lower($1::text)', params: [value] });
  });

  it('keeps quotes and comment markers out of LIKE and jsonb SQL too', () => {
    const { sql, params } = compile(`emails[value co "'--" or type sw "x'); DELETE FROM scim_record; --"]`);
    expect(sql).not.toMatch(/DELETE|--/);
    expect(params).toEqual([`%'--%`, `x'); DELETE FROM scim\\_record; --%`]);
  });

  it('rejects injection disguised as syntax', () => {
    expectInvalidFilter('userName eq "x" OR 1=1 --');
    expectInvalidFilter(`userName eq "x"; DROP TABLE scim_record`);
    expectInvalidFilter('userName eq x');
  });
});

describe('compileFilter: errors', () => {
  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['userName', /operator after 'userName'/],
    ['userName eq', /value after 'eq'/],
    ['userName eq "x', /Unterminated string/],
    ['userName eq "x\\', /Unterminated string/],
    ['userName eq "\\q"', /Invalid escape/],
    ['userName eq "\\u12"', /Invalid \\u escape/],
    ['userName eq "a\\u0000"', /NUL character/],
    ['userName eq "a\u0000"', /NUL character/],
    ['userName eq "x" and', /Expected an attribute/],
    ['(userName eq "x"', /Expected '\)'/],
    ['userName eq "x")', /Unexpected '\)'/],
    ['emails[type eq "work"', /Expected '\]'/],
    ['emails[type eq "work"]]', /Unexpected '\]'/],
    ['userName foo "x"', /Unknown operator 'foo'/],
    ['userName eq "x" garbage', /Unexpected 'garbage'/],
    ['userName eq "x" "y"', /Unexpected string/],
    ['userName eq "x" & active eq true', /Unexpected character "&"/],
    ['not userName eq "x"', /Expected '\(' after 'not'/],
    ['emails[type eq "work"].value', /Expected an operator after 'value'/],
    ['emails[type eq "work"].', /Expected a sub-attribute name/],
    ['emails[value[type eq "a"] eq "x"]', /cannot be nested/],
    ['userName eq "a" or or userName eq "b"', /Expected an attribute, '\(' or 'not', found 'or'/],
    ['and userName eq "b"', /found 'and'/],
  ])('rejects malformed %j', (filter, detail) => {
    expectInvalidFilter(filter, detail);
  });

  it('reads Entra ID\'s emails[type eq "work"].value eq "x" as emails[type eq "work" and value eq "x"]', () => {
    expect(compile('emails[type eq "work"].value eq "x"')).toEqual(compile('emails[type eq "work" and value eq "x"]'));
  });

  it('rejects filters over 2000 characters', () => {
    const value = 'x'.repeat(2000 - 'userName eq ""'.length);
    expect(compile(`userName eq "${value}"`).params).toEqual([value]);
    expectInvalidFilter(`userName eq "${value}x"`, /longer than 2000 characters/);
  });

  it.each([
    ['foo eq "x"', /Unknown attribute 'foo'/],
    ['name eq "x"', /Unknown attribute 'name'/],
    ['emails.foo eq "x"', /Unknown attribute 'emails.foo'/],
    ['emails[foo eq "x"]', /Unknown sub-attribute 'foo' of 'emails'/],
    ['foo[value eq "x"]', /Unknown attribute 'foo'/],
    ['userName[value eq "x"]', /does not take a value filter/],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"', /Unknown attribute 'urn:ietf/],
  ])('rejects unknown attribute %j', (filter, detail) => {
    expectInvalidFilter(filter, detail);
  });

  it.each([
    ['userName eq 5', /must be compared with a string/],
    ['userName eq true', /must be compared with a string/],
    ['userName gt null', /null can only be compared/],
    ['active eq "yes"', /true or false/],
    ['active eq 1', /true or false/],
    ['active gt true', /Operator 'gt' cannot be used with boolean/],
    ['emails.primary co "t"', /Operator 'co' cannot be used with boolean/],
    ['meta.created co "2024"', /Operator 'co' cannot be used with date-time/],
    ['meta.created gt 5', /date-time/],
    ['id eq 5', /must be compared with a string/],
  ])('rejects the wrong kind of value %j', (filter, detail) => {
    expectInvalidFilter(filter, detail);
  });

  it.each([
    'yesterday',
    '2024-01-01',
    '2024-01-01T00:00:00',
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:60:00Z',
    '2024-01-01T00:00:00+24:00',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:00:00-02:00',
    ' 2024-01-01T00:00:00Z',
  ])('rejects the bad date %j', (date) => {
    expectInvalidFilter(`meta.lastModified gt "${date}"`, /RFC 3339 date-time/);
  });

  it('never lets a non-ScimError escape for odd input', () => {
    for (const filter of [
      '[',
      ']',
      '(',
      ')',
      '"',
      '\\',
      'not',
      'not (',
      'emails[',
      'a eq -',
      '-',
      '--',
      'pr',
      'eq "x"',
      '\u0000',
      'userName eq 1e999x',
    ]) {
      expect(errorOf(() => compile(filter)).scimType).toBe('invalidFilter');
    }
  });
});

describe('compileFilter: other schemas', () => {
  it('uses the column expressions and case rules the schema gives', () => {
    const schema: ResourceSchema = {
      attributes: { displayName: { column: 'g.display_name', type: 'string', caseExact: true } },
      multiValued: {
        members: {
          column: 'g.members',
          subAttributes: { value: { type: 'string', caseExact: true } },
          defaultSubAttribute: 'value',
        },
      },
    };
    expect(compileFilter('displayName eq "Ops" and members eq "u1"', schema)).toEqual({
      sql: `(g.display_name = $1::text AND EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(g.members) = 'array' THEN g.members END) AS e(v) WHERE (e.v->>'value') = $2::text))`,
      params: ['Ops', 'u1'],
    });
    expect(() => compileFilter('userName eq "x"', schema)).toThrow(/Unknown attribute 'userName'/);
  });
});

describe('sortColumn', () => {
  it('maps attributes case-insensitively to SQL expressions', () => {
    expect(sortColumn('userName', USER_FILTER_SCHEMA)).toBe('lower(r.user_name)');
    expect(sortColumn('USERNAME', USER_FILTER_SCHEMA)).toBe('lower(r.user_name)');
    expect(sortColumn('externalId', USER_FILTER_SCHEMA)).toBe('r.external_id');
    expect(sortColumn('meta.lastModified', USER_FILTER_SCHEMA)).toBe('r.updated_at');
    expect(sortColumn('urn:ietf:params:scim:schemas:core:2.0:User:meta.created', USER_FILTER_SCHEMA)).toBe(
      'r.created_at',
    );
    expect(sortColumn('id', USER_FILTER_SCHEMA)).toBe('r.id');
    expect(sortColumn('active', USER_FILTER_SCHEMA)).toBe('r.active');
  });

  it('sorts a multi-valued attribute by its primary value, else its first', () => {
    const emails = `(SELECT lower((e.v->>'value')) FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.emails) = 'array' THEN r.emails END) WITH ORDINALITY AS e(v, n) ORDER BY (CASE lower(e.v->>'primary') WHEN 'true' THEN 0 ELSE 1 END), e.n LIMIT 1)`;
    expect(sortColumn('emails', USER_FILTER_SCHEMA)).toBe(emails);
    expect(sortColumn('emails.value', USER_FILTER_SCHEMA)).toBe(emails);
  });

  it('rejects unknown attributes with invalidValue', () => {
    for (const attribute of ['foo', 'name', 'emails.foo', 'userName; DROP TABLE scim_record', '']) {
      const error = errorOf(() => sortColumn(attribute, USER_FILTER_SCHEMA));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidValue');
    }
  });
});
