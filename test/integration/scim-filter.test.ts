import { createTestDatabase, type TestDatabase } from '../support/db';
import { compileFilter, sortColumn, USER_FILTER_SCHEMA } from '../../src/scim/filter';
import { ScimError } from '../../src/scim/scim-error';

interface Row {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  active: boolean;
  emails: unknown;
  createdAt: string;
  updatedAt: string;
}

const ROWS: Row[] = [
  {
    userName: 'Alice@Example.com',
    externalId: 'abc',
    displayName: 'Alice Liddell',
    givenName: 'Alice',
    familyName: 'Liddell',
    active: true,
    emails: [
      { value: 'alice@example.com', type: 'work', primary: true },
      { value: 'alice@home.org', type: 'home' },
    ],
    createdAt: '2024-01-10T09:00:00Z',
    updatedAt: '2024-03-01T10:00:00Z',
  },
  {
    userName: 'bob@acme.com',
    externalId: 'ABC',
    displayName: null,
    givenName: 'Bob',
    familyName: 'Builder',
    active: false,
    emails: [{ value: 'bob@acme.com', type: 'work', primary: true }],
    createdAt: '2024-02-01T09:00:00Z',
    updatedAt: '2024-06-15T12:00:00.500Z',
  },
  {
    userName: 'carol.smith@acme.com',
    externalId: 'c-1',
    displayName: 'Carol Smith',
    givenName: 'Carol',
    familyName: 'Smith',
    active: true,
    emails: [
      { value: 'carol@acme.com', type: 'work', primary: false },
      { value: 'Carol@Personal.net', type: 'home', primary: true },
    ],
    createdAt: '2024-03-01T09:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
  },
  {
    userName: 'dave',
    externalId: null,
    displayName: '',
    givenName: null,
    familyName: null,
    active: true,
    emails: [],
    createdAt: '2023-06-01T09:00:00Z',
    updatedAt: '2023-12-31T23:59:59.999Z',
  },
  {
    userName: 'erin_50%@acme.com',
    externalId: 'e-1',
    displayName: 'Erin 50% Off',
    givenName: 'Erin',
    familyName: 'Example',
    active: false,
    // Loosely typed by some client: a mixed-case type and a string primary.
    emails: [{ value: 'erin@acme.com', type: 'Work', primary: 'True' }],
    createdAt: '2024-04-01T09:00:00Z',
    updatedAt: '2024-04-01T09:00:00Z',
  },
  {
    userName: 'frank@acme.com',
    externalId: 'f-1',
    displayName: 'Frank',
    givenName: 'Frank',
    familyName: null,
    active: true,
    emails: [{ value: 'frank@acme.com' }],
    createdAt: '2024-05-01T09:00:00Z',
    updatedAt: '2024-05-01T09:00:00Z',
  },
  {
    userName: 'GRACE@ACME.COM',
    externalId: 'g-1',
    displayName: 'grace hopper',
    givenName: 'Grace',
    familyName: 'Hopper',
    active: true,
    emails: [
      { value: 'grace@acme.com', type: 'work', primary: true },
      { value: 'grace@navy.mil', type: 'other', primary: 'not-a-boolean' },
    ],
    createdAt: '2024-06-01T09:00:00Z',
    updatedAt: '2024-06-01T09:00:00Z',
  },
  {
    userName: 'heidi@other.org',
    externalId: 'h-1',
    displayName: 'Heidi',
    givenName: 'Heidi',
    familyName: 'Klum',
    active: false,
    emails: [{ value: 'heidi@other.org', type: 'work' }],
    createdAt: '2024-07-01T09:00:00Z',
    updatedAt: '2024-07-01T09:00:00Z',
  },
];

const ALL = ROWS.map((row) => row.userName);
const except = (...names: string[]) => ALL.filter((name) => !names.includes(name));

describe('SCIM filters executed on Postgres', () => {
  let db: TestDatabase;
  let directoryId: string;
  let otherDirectoryId: string;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    const [organization] = await db.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO organization (name, slug) VALUES ('Filter Co', 'filter-co') RETURNING id`,
    );
    const directories = await db.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO directory (organization_id, name, provider, sso_email_attribute, scim_email_attribute)
       VALUES ($1, 'Okta', 'OKTA', 'email', 'userName'), ($1, 'Other', 'OTHER', 'email', 'userName') RETURNING id`,
      [organization.id],
    );
    directoryId = directories[0].id;
    otherDirectoryId = directories[1].id;
    for (const row of ROWS) {
      const [inserted] = await db.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO scim_record (organization_id, directory_id, external_id, user_name, email, emails, given_name, family_name, display_name, active, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12) RETURNING id`,
        [
          organization.id,
          directoryId,
          row.externalId,
          row.userName,
          null,
          JSON.stringify(row.emails),
          row.givenName,
          row.familyName,
          row.displayName,
          row.active,
          row.createdAt,
          row.updatedAt,
        ],
      );
      ids.set(row.userName, inserted.id);
    }
    // The same userName in another directory: the directory condition before the fragment must still apply.
    await db.dataSource.query(
      `INSERT INTO scim_record (organization_id, directory_id, user_name) VALUES ($1, $2, 'Alice@Example.com')`,
      [organization.id, otherDirectoryId],
    );
  });
  afterAll(async () => {
    await db.drop();
  });

  /** Runs a filter after one parameter of the caller's own, as the SCIM list endpoint will. */
  const matching = async (filter: string): Promise<string[]> => {
    const { sql, params } = compileFilter(filter, USER_FILTER_SCHEMA, 2);
    const rows: Array<{ user_name: string }> = await db.dataSource.query(
      `SELECT r.user_name FROM scim_record r WHERE r.directory_id = $1 AND (${sql})`,
      [directoryId, ...params],
    );
    return rows.map((row) => row.user_name).sort();
  };
  const expectMatches = async (filter: string, expected: string[]) => {
    expect({ filter, matches: await matching(filter) }).toEqual({ filter, matches: [...expected].sort() });
  };

  it("matches Okta's probe userName eq case-insensitively", async () => {
    await expectMatches('userName eq "Alice@Example.com"', ['Alice@Example.com']);
    await expectMatches('userName eq "alice@example.com"', ['Alice@Example.com']);
    await expectMatches('USERNAME EQ "grace@acme.com"', ['GRACE@ACME.COM']);
    await expectMatches('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "DAVE"', ['dave']);
  });

  it("matches Entra's externalId (case-exact) and its quoted booleans", async () => {
    await expectMatches('externalId eq "abc"', ['Alice@Example.com']);
    await expectMatches('externalId eq "ABC"', ['bob@acme.com']);
    await expectMatches('userName eq "bob@acme.com" and active eq "False"', ['bob@acme.com']);
    await expectMatches('userName eq "alice@example.com" and active eq "False"', []);
    await expectMatches('active eq "True"', [
      'Alice@Example.com',
      'carol.smith@acme.com',
      'dave',
      'frank@acme.com',
      'GRACE@ACME.COM',
    ]);
    await expectMatches('active ne true', ['bob@acme.com', 'erin_50%@acme.com', 'heidi@other.org']);
  });

  it('counts NULL as different in ne, and NULL or empty as absent in pr', async () => {
    await expectMatches('displayName ne "alice liddell"', except('Alice@Example.com'));
    await expectMatches('externalId ne "abc"', except('Alice@Example.com'));
    await expectMatches('displayName pr', except('bob@acme.com', 'dave'));
    await expectMatches('not (displayName pr)', ['bob@acme.com', 'dave']);
    await expectMatches('displayName eq null', ['bob@acme.com', 'dave']);
    await expectMatches('not (displayName eq "Heidi")', except('heidi@other.org'));
    await expectMatches('not (name.familyName sw "h")', except('GRACE@ACME.COM'));
  });

  it('matches co, sw and ew literally, % and _ included', async () => {
    await expectMatches('userName co "50%"', ['erin_50%@acme.com']);
    await expectMatches('userName co "_"', ['erin_50%@acme.com']);
    await expectMatches('userName co "%"', ['erin_50%@acme.com']);
    await expectMatches('userName sw "ALICE"', ['Alice@Example.com']);
    await expectMatches('userName ew "@ACME.COM"', [
      'bob@acme.com',
      'carol.smith@acme.com',
      'erin_50%@acme.com',
      'frank@acme.com',
      'GRACE@ACME.COM',
    ]);
    await expectMatches('displayName co "50% o"', ['erin_50%@acme.com']);
    await expectMatches('externalId sw "a"', ['Alice@Example.com']);
  });

  it('compares strings lexicographically, case-insensitively', async () => {
    await expectMatches('name.givenName ge "g"', ['GRACE@ACME.COM', 'heidi@other.org']);
    await expectMatches('name.givenName lt "BOB"', ['Alice@Example.com']);
  });

  it('matches multi-valued emails by any element', async () => {
    await expectMatches('emails eq "carol@personal.net"', ['carol.smith@acme.com']);
    await expectMatches('emails.value eq "CAROL@personal.NET"', ['carol.smith@acme.com']);
    await expectMatches('emails co "@acme.com"', [
      'bob@acme.com',
      'carol.smith@acme.com',
      'erin_50%@acme.com',
      'frank@acme.com',
      'GRACE@ACME.COM',
    ]);
    await expectMatches('emails.type eq "home"', ['Alice@Example.com', 'carol.smith@acme.com']);
    await expectMatches('emails.primary eq false', ['carol.smith@acme.com']);
    await expectMatches('emails pr', except('dave'));
    await expectMatches('not (emails pr)', ['dave']);
    await expectMatches('emails.type pr', except('dave', 'frank@acme.com'));
  });

  it('applies value filters to one element at a time', async () => {
    await expectMatches('emails[type eq "work" and value co "@acme.com"]', [
      'bob@acme.com',
      'carol.smith@acme.com',
      'erin_50%@acme.com',
      'GRACE@ACME.COM',
    ]);
    await expectMatches('emails[type eq "work" and primary eq true]', [
      'Alice@Example.com',
      'bob@acme.com',
      'erin_50%@acme.com',
      'GRACE@ACME.COM',
    ]);
    // carol has a home email ending in .net and a work email, but not one element with both.
    await expectMatches('emails[type eq "work" and value ew ".net"]', []);
    await expectMatches('emails[not (type eq "work")]', [
      'Alice@Example.com',
      'carol.smith@acme.com',
      'frank@acme.com',
      'GRACE@ACME.COM',
    ]);
    await expectMatches('emails[primary pr]', except('dave', 'frank@acme.com', 'heidi@other.org'));
  });

  it('combines and, or, not and parentheses', async () => {
    await expectMatches('active eq true and not (userName sw "a")', [
      'carol.smith@acme.com',
      'dave',
      'frank@acme.com',
      'GRACE@ACME.COM',
    ]);
    await expectMatches('userName eq "x" or (active eq false and emails.value ew "other.org")', ['heidi@other.org']);
    await expectMatches('USERNAME EQ "dave" OR DisplayName Co "hopper"', ['dave', 'GRACE@ACME.COM']);
    await expectMatches('userName eq "dave" or userName eq "heidi@other.org" and active eq true', ['dave']);
    await expectMatches('(userName eq "dave" or userName eq "heidi@other.org") and active eq false', [
      'heidi@other.org',
    ]);
    await expectMatches('urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "builder"', ['bob@acme.com']);
  });

  it('compares meta dates as instants', async () => {
    await expectMatches('meta.lastModified gt "2024-06-01T00:00:00Z"', [
      'bob@acme.com',
      'carol.smith@acme.com',
      'GRACE@ACME.COM',
      'heidi@other.org',
    ]);
    await expectMatches('meta.lastModified gt "2024-06-01T09:00:00Z"', [
      'bob@acme.com',
      'carol.smith@acme.com',
      'heidi@other.org',
    ]);
    await expectMatches('meta.lastModified ge "2024-06-15T12:00:00.5Z"', [
      'bob@acme.com',
      'carol.smith@acme.com',
      'heidi@other.org',
    ]);
    await expectMatches('meta.lastModified gt "2024-06-15T14:00:00.5+02:00"', [
      'carol.smith@acme.com',
      'heidi@other.org',
    ]);
    await expectMatches('meta.lastModified eq "2024-06-15T08:00:00.500-04:00"', ['bob@acme.com']);
    await expectMatches(
      'meta.lastModified ge "2024-06-15T12:00:00.500001Z" and meta.lastModified lt "2024-07-01T00:00:00Z"',
      [],
    );
    await expectMatches('meta.lastModified lt "2024-01-01T00:00:00Z"', ['dave']);
    await expectMatches('meta.created le "2024-01-10T09:00:00Z"', ['Alice@Example.com', 'dave']);
  });

  it('compares ids as uuids, never failing on a value that is not one', async () => {
    const alice = ids.get('Alice@Example.com')!;
    await expectMatches(`id eq "${alice}"`, ['Alice@Example.com']);
    await expectMatches(`id eq "${alice.toUpperCase()}"`, ['Alice@Example.com']);
    await expectMatches('id eq "not-a-uuid"', []);
    await expectMatches('id ne "not-a-uuid"', ALL);
    await expectMatches(`id ne "${alice}"`, except('Alice@Example.com'));
    await expectMatches(`id sw "${alice.slice(0, 13).toUpperCase()}"`, ['Alice@Example.com']);
  });

  it('keeps injection attempts in parameters: they match nothing and change nothing', async () => {
    await expectMatches('userName eq "x\\" OR 1=1 --"', []);
    await expectMatches(`userName eq "'; DROP TABLE scim_record; --"`, []);
    await expectMatches(`userName co "' OR '1'='1"`, []);
    await expectMatches(`emails[value eq "x') OR true; --"]`, []);
    await expectMatches(`externalId eq "\\u0027); DELETE FROM scim_record; --"`, []);
    const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM scim_record`,
    );
    expect(count).toBe(ROWS.length + 1);
  });

  it('rejects bad filters before any SQL', async () => {
    for (const filter of [
      'userName eq',
      'userName eq "\\u0000"',
      'meta.lastModified gt "yesterday"',
      'foo eq "x"',
      'emails[type eq "work"',
    ]) {
      await expect(matching(filter)).rejects.toBeInstanceOf(ScimError);
    }
  });

  it('orders by sortColumn expressions', async () => {
    const ordered = async (attribute: string) => {
      const rows: Array<{ user_name: string }> = await db.dataSource.query(
        `SELECT r.user_name FROM scim_record r WHERE r.directory_id = $1 ORDER BY ${sortColumn(attribute, USER_FILTER_SCHEMA)} NULLS LAST, r.user_name`,
        [directoryId],
      );
      return rows.map((row) => row.user_name);
    };
    expect(await ordered('meta.lastModified')).toEqual([
      'dave',
      'Alice@Example.com',
      'erin_50%@acme.com',
      'frank@acme.com',
      'GRACE@ACME.COM',
      'bob@acme.com',
      'heidi@other.org',
      'carol.smith@acme.com',
    ]);
    expect(await ordered('emails')).toEqual([
      'Alice@Example.com',
      'bob@acme.com',
      'carol.smith@acme.com',
      'erin_50%@acme.com',
      'frank@acme.com',
      'GRACE@ACME.COM',
      'heidi@other.org',
      'dave',
    ]);
    expect((await ordered('userName')).slice(0, 2)).toEqual(['Alice@Example.com', 'bob@acme.com']);
    // The primary email, else the first one.
    const keys: Array<{ user_name: string; key: string | null }> = await db.dataSource.query(
      `SELECT r.user_name, ${sortColumn('emails', USER_FILTER_SCHEMA)} AS key FROM scim_record r WHERE r.directory_id = $1`,
      [directoryId],
    );
    const keyOf = Object.fromEntries(keys.map((row) => [row.user_name, row.key]));
    expect(keyOf['carol.smith@acme.com']).toBe('carol@personal.net');
    expect(keyOf['frank@acme.com']).toBe('frank@acme.com');
    expect(keyOf['heidi@other.org']).toBe('heidi@other.org');
    expect(keyOf['dave']).toBeNull();
  });
});
