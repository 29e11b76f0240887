import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, filterQuery, scimClient, type ScimClient } from '../support/scim-client';

interface Person {
  userName: string;
  externalId: string;
  givenName: string;
  familyName: string;
  emails: Array<{ value: string; type: string; primary?: boolean }>;
  active: boolean;
}

const PEOPLE: Person[] = [
  {
    userName: 'Alice@Example.com',
    externalId: 'abc',
    givenName: 'Alice',
    familyName: 'Liddell',
    active: true,
    emails: [
      { value: 'alice@example.com', type: 'work', primary: true },
      { value: 'alice@home.org', type: 'home' },
    ],
  },
  {
    userName: 'bob@acme.com',
    externalId: 'ABC',
    givenName: 'Bob',
    familyName: 'Builder',
    active: false,
    emails: [{ value: 'bob@acme.com', type: 'work', primary: true }],
  },
  {
    userName: 'carol.smith@acme.com',
    externalId: 'c-1',
    givenName: 'Carol',
    familyName: 'Smith',
    active: true,
    emails: [
      { value: 'carol@acme.com', type: 'work' },
      { value: 'carol@personal.net', type: 'home', primary: true },
    ],
  },
  {
    userName: 'erin_50%@acme.com',
    externalId: 'e-1',
    givenName: 'Erin',
    familyName: 'Example',
    active: false,
    emails: [{ value: 'erin@acme.com', type: 'work', primary: true }],
  },
];

describe('SCIM filters over HTTP: the grammar, compiled to SQL, scoped to the directory', () => {
  let db: TestDatabase;
  let app: TestServer;
  let scim: ScimClient;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('filters')).id;
    const directory = await given.directory(organizationId, 'Okta');
    scim = scimClient(app.url, directory.id, directory.token);
    for (const person of PEOPLE) {
      const response = await scim.post('/Users', {
        schemas: [SCIM.user],
        userName: person.userName,
        externalId: person.externalId,
        name: { givenName: person.givenName, familyName: person.familyName },
        emails: person.emails,
        active: person.active,
      });
      expect(response.status).toBe(201);
      ids.set(person.userName, response.body.id);
    }
    // Same names elsewhere: another directory of the organization, and another organization.
    const sibling = await given.directory(organizationId, 'Entra ID');
    const otherOrg = (await given.organization('filters-other')).id;
    const foreign = await given.directory(otherOrg, 'Okta');
    for (const directoryOf of [sibling, foreign]) {
      const response = await scimClient(app.url, directoryOf.id, directoryOf.token).post('/Users', {
        schemas: [SCIM.user],
        userName: 'bob@acme.com',
        externalId: 'ABC',
        emails: [{ value: `bob+${directoryOf.id.slice(0, 8)}@elsewhere.example`, type: 'work' }],
      });
      expect(response.status).toBe(201);
    }
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const userNames = async (filter: string) => {
    const response = await scim.get(`/Users${filterQuery(filter, '&sortBy=userName')}`);
    expect({ filter, status: response.status, body: response.status === 200 ? 'ok' : response.body }).toEqual({
      filter,
      status: 200,
      body: 'ok',
    });
    expect(response.body.totalResults).toBe(response.body.Resources.length);
    return response.body.Resources.map((user: { userName: string }) => user.userName);
  };

  it.each<[string, string[]]>([
    ['userName eq "alice@example.com"', ['Alice@Example.com']],
    ['USERNAME EQ "ALICE@EXAMPLE.COM"', ['Alice@Example.com']],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@acme.com"', ['bob@acme.com']],
    ['externalId eq "abc"', ['Alice@Example.com']],
    ['externalId eq "ABC"', ['bob@acme.com']],
    ['userName ne "bob@acme.com"', ['Alice@Example.com', 'carol.smith@acme.com', 'erin_50%@acme.com']],
    ['userName co "smith"', ['carol.smith@acme.com']],
    ['userName sw "A"', ['Alice@Example.com']],
    ['userName ew "@ACME.COM"', ['bob@acme.com', 'carol.smith@acme.com', 'erin_50%@acme.com']],
    ['userName co "%"', ['erin_50%@acme.com']],
    ['userName co "_"', ['erin_50%@acme.com']],
    ['userName gt "bob@acme.com"', ['carol.smith@acme.com', 'erin_50%@acme.com']],
    ['userName le "bob@acme.com"', ['Alice@Example.com', 'bob@acme.com']],
    ['active eq false', ['bob@acme.com', 'erin_50%@acme.com']],
    ['active eq "True"', ['Alice@Example.com', 'carol.smith@acme.com']],
    ['name.familyName eq "smith"', ['carol.smith@acme.com']],
    ['name.givenName pr and not (active eq true)', ['bob@acme.com', 'erin_50%@acme.com']],
    ['emails eq "alice@home.org"', ['Alice@Example.com']],
    ['emails.value ew ".org"', ['Alice@Example.com']],
    ['emails[type eq "work" and value co "acme"]', ['bob@acme.com', 'carol.smith@acme.com', 'erin_50%@acme.com']],
    ['emails[type eq "home" and primary eq true]', ['carol.smith@acme.com']],
    // Entra ID's email lookup, outside RFC 7644's grammar: one email matching both halves.
    ['emails[type eq "work"].value eq "carol@acme.com"', ['carol.smith@acme.com']],
    ['emails[type eq "home"].value eq "carol@acme.com"', []],
    ['emails[type eq "work"].value co "acme"', ['bob@acme.com', 'carol.smith@acme.com', 'erin_50%@acme.com']],
    ['emails[not (type eq "work")]', ['Alice@Example.com', 'carol.smith@acme.com']],
    ['(userName sw "a" or userName sw "b") and active eq true', ['Alice@Example.com']],
    ['userName sw "a" or userName sw "b" and active eq true', ['Alice@Example.com']],
    ['not (userName sw "a" or userName sw "b")', ['carol.smith@acme.com', 'erin_50%@acme.com']],
    [
      'meta.created gt "2000-01-01T00:00:00Z" and meta.lastModified le "2999-12-31T23:59:59+01:00"',
      ['Alice@Example.com', 'bob@acme.com', 'carol.smith@acme.com', 'erin_50%@acme.com'],
    ],
    ['externalId pr', ['Alice@Example.com', 'bob@acme.com', 'carol.smith@acme.com', 'erin_50%@acme.com']],
    ['displayName pr', []],
  ])('%s', async (filter, expected) => {
    expect(await userNames(filter)).toEqual(expected);
  });

  it("finds by id, and never another directory's or organization's users under the same name", async () => {
    const aliceId = ids.get('Alice@Example.com')!;
    expect(await userNames(`id eq "${aliceId}"`)).toEqual(['Alice@Example.com']);
    expect(await userNames(`id eq "${aliceId.toUpperCase()}"`)).toEqual(['Alice@Example.com']);
    expect(await userNames('id eq "not-a-uuid"')).toEqual([]);
    const bobs = await scim.get(`/Users${filterQuery('userName eq "bob@acme.com" or externalId eq "ABC"')}`);
    expect(bobs.body.totalResults).toBe(1);
    expect(bobs.body.Resources[0].emails).toEqual([{ value: 'bob@acme.com', type: 'work', primary: true }]);
  });

  it.each([
    ['userName eq', 'no value'],
    ['userName xx "a"', 'unknown operator'],
    ['(userName eq "a"', 'unclosed parenthesis'],
    ['userName eq "unterminated', 'unterminated string'],
    ['password eq "x"', 'unknown attribute'],
    ['emails[type eq "work"].value', 'a value path with no comparison'],
    ['emails[type eq "work"].value.x eq "a"', 'a dotted name after the bracket'],
    ['active gt true', 'an ordering operator on a boolean'],
    ['meta.created gt "yesterday"', 'a date that is not RFC 3339'],
    ['userName eq "a" and', 'a dangling and'],
    [`${'('.repeat(25)}userName eq "a"${')'.repeat(25)}`, 'nesting too deep'],
    [`userName eq "${'x'.repeat(2100)}"`, 'a filter too long'],
  ])('refuses %s (%s) with 400 invalidFilter', async (filter) => {
    const response = await scim.get(`/Users${filterQuery(filter)}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      schemas: [SCIM.error],
      status: '400',
      scimType: 'invalidFilter',
      detail: expect.any(String),
    });
  });

  describe('injection attempts', () => {
    it.each([
      `userName eq "x' OR '1'='1"`,
      `userName eq "\\" or 1=1 --"`,
      `userName eq "'; DROP TABLE scim_record; --"`,
      `externalId eq "abc' UNION SELECT * FROM directory --"`,
      `emails[value eq "') OR true OR ('"]`,
    ])('matches nothing for %s: values travel as parameters', async (filter) => {
      db.queries.reset();
      expect(await userNames(filter)).toEqual([]);
      const [sql] = db.queries.tagged('scim:listUsers');
      expect(sql).toMatch(/\$3::text/);
      expect(sql).not.toContain("'1'='1");
      expect(sql).not.toContain('DROP TABLE');
      expect(sql).not.toContain('UNION');
    });

    it.each([
      'userName eq "a"; DROP TABLE scim_record; --',
      'userName eq "a" OR 1=1',
      'r.user_name eq "a"',
      'userName) or (1=1',
      'userName eq "a" -- comment',
      "userName eq 'a'",
    ])('refuses %s as a malformed filter', async (filter) => {
      const response = await scim.get(`/Users${filterQuery(filter)}`);
      expect(response).toMatchObject({ status: 400, body: { scimType: 'invalidFilter' } });
    });

    it('refuses sortBy that is not an attribute, and the table is still there', async () => {
      for (const sortBy of ['userName; DROP TABLE scim_record', 'r.id', '(SELECT 1)', 'userName desc']) {
        const response = await scim.get(`/Users?sortBy=${encodeURIComponent(sortBy)}`);
        expect(response).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
      }
      const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(`SELECT count(*)::int FROM scim_record`);
      expect(count).toBe(PEOPLE.length + 2);
    });
  });
});
