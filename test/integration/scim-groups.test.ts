import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, filterQuery, scimClient, type ScimClient } from '../support/scim-client';

const ENTRA_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

describe('SCIM /Groups over HTTP, and group memberships in GraphQL', () => {
  let db: TestDatabase;
  let app: TestServer;
  let scim: ScimClient;
  let directoryId: string;
  let token: string;
  /** userName → SCIM User id */
  const users = new Map<string, string>();
  let foreignUserId: string;

  const user = (name: string) => users.get(name)!;
  const memberIds = (group: { members?: Array<{ value: string }> }) =>
    (group.members ?? []).map((member) => member.value).sort();
  const patchOp = (...operations: unknown[]) => ({ schemas: [SCIM.patchOp], Operations: operations });

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('groups')).id;
    await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
    const directory = await given.directory(organizationId, 'Okta');
    directoryId = directory.id;
    scim = scimClient(app.url, directory.id, directory.token);
    token = await app.token(organizationId);
    for (const name of ['ann', 'ben', 'cat']) {
      const response = await scim.post('/Users', {
        schemas: [SCIM.user],
        userName: `${name}@acme.com`,
        externalId: `00u-${name}`,
        displayName: name.toUpperCase(),
        emails: [{ value: `${name}@acme.com`, type: 'work', primary: true }],
      });
      expect(response.status).toBe(201);
      users.set(name, response.body.id);
    }
    const other = await given.directory(organizationId, 'Other IdP');
    foreignUserId = (
      await scimClient(app.url, other.id, other.token).post('/Users', {
        schemas: [SCIM.user],
        userName: 'dan@acme.com',
      })
    ).body.id;
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  describe('Okta: a group pushed without externalId', () => {
    let groupId: string;
    let etag: string;

    it('creates it with its members: 201, Location, ETag, members with display and $ref', async () => {
      const response = await scim.post('/Groups', {
        schemas: [SCIM.group],
        displayName: 'Engineering',
        members: [{ value: user('ann'), display: 'ann@acme.com' }],
      });
      expect(response.status).toBe(201);
      groupId = response.body.id;
      etag = response.headers.get('etag')!;
      expect(response.body).toEqual({
        schemas: [SCIM.group],
        id: groupId,
        displayName: 'Engineering',
        members: [{ value: user('ann'), display: 'ANN', $ref: `${scim.root}/Users/${user('ann')}`, type: 'User' }],
        meta: {
          resourceType: 'Group',
          created: expect.any(String),
          lastModified: expect.any(String),
          location: `${scim.root}/Groups/${groupId}`,
          version: etag,
        },
      });
      expect(response.headers.get('location')).toBe(`${scim.root}/Groups/${groupId}`);
    });

    it('answers a second create of the same name (a retry) 409 uniqueness, with no second group', async () => {
      const retry = await scim.post('/Groups', { schemas: [SCIM.group], displayName: 'engineering', members: [] });
      expect(retry).toMatchObject({
        status: 409,
        body: { schemas: [SCIM.error], status: '409', scimType: 'uniqueness' },
      });
      expect((await scim.get(`/Groups${filterQuery('displayName eq "ENGINEERING"')}`)).body.totalResults).toBe(1);
    });

    it('adds members with PATCH add, and the User resource lists its groups', async () => {
      const response = await scim.patch(
        `/Groups/${groupId}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: user('ben'), display: 'ben@acme.com' }] }),
      );
      expect(response.status).toBe(200);
      expect(memberIds(response.body)).toEqual([user('ann'), user('ben')].sort());
      const ben = await scim.get(`/Users/${user('ben')}`);
      expect(ben.body.groups).toEqual([
        { value: groupId, display: 'Engineering', $ref: `${scim.root}/Groups/${groupId}`, type: 'direct' },
      ]);
      expect((await scim.get(`/Users/${user('ben')}?attributes=userName`)).body).not.toHaveProperty('groups');
    });

    it('removes a member with a value filter path', async () => {
      const response = await scim.patch(
        `/Groups/${groupId}`,
        patchOp({ op: 'remove', path: `members[value eq "${user('ann')}"]` }),
      );
      expect(memberIds(response.body)).toEqual([user('ben')]);
    });

    // Okta's documented PATCH: remove + add together; RFC 7644 §3.5.2.2 makes a remove that matches
    // nothing a no-op (noTarget is for replace), so the add still applies.
    it('applies the add of a PATCH whose remove matches no member (Okta: remove + add in one PATCH)', async () => {
      const response = await scim.patch(
        `/Groups/${groupId}`,
        patchOp(
          { op: 'remove', path: `members[value eq "${user('ann')}"]` },
          { op: 'add', path: 'members', value: [{ value: user('cat'), display: 'cat@acme.com' }] },
        ),
      );
      expect(response.status).toBe(200);
      expect(memberIds(response.body)).toEqual([user('ben'), user('cat')].sort());
      const again = await scim.patch(
        `/Groups/${groupId}`,
        patchOp(
          { op: 'remove', path: `members[value eq "${user('cat')}"]` },
          { op: 'remove', path: `members[value eq "${user('cat')}"]` },
        ),
      );
      expect(memberIds(again.body)).toEqual([user('ben')]);
    });

    it('renames with replace and no path, the way Okta sends it (with its own id)', async () => {
      const response = await scim.patch(
        `/Groups/${groupId}`,
        patchOp({ op: 'replace', value: { id: groupId, displayName: 'Engineering EU' } }),
      );
      expect(response).toMatchObject({ status: 200, body: { displayName: 'Engineering EU' } });
      expect(memberIds(response.body)).toEqual([user('ben')]);
    });

    it('refuses members that are not Users of this directory, and changing the id; nothing changes', async () => {
      const before = await scim.get(`/Groups/${groupId}`);
      for (const value of [foreignUserId, '00000000-0000-4000-8000-000000000000', 'not-an-id', groupId]) {
        const response = await scim.patch(
          `/Groups/${groupId}`,
          patchOp({ op: 'add', path: 'members', value: [{ value }] }),
        );
        expect(response).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
      }
      const idChange = await scim.patch(
        `/Groups/${groupId}`,
        patchOp({ op: 'replace', path: 'id', value: '00000000-0000-4000-8000-000000000000' }),
      );
      expect(idChange).toMatchObject({ status: 400, body: { scimType: 'mutability' } });
      const after = await scim.get(`/Groups/${groupId}`);
      expect(after.body).toEqual(before.body);
    });

    it('replaces everything with PUT, honouring If-Match', async () => {
      const current = (await scim.get(`/Groups/${groupId}`)).headers.get('etag')!;
      const body = {
        schemas: [SCIM.group],
        displayName: 'Platform',
        members: [{ value: user('ann') }, { value: user('cat') }],
      };
      expect((await scim.put(`/Groups/${groupId}`, body, { 'if-match': etag })).status).toBe(412);
      const response = await scim.put(`/Groups/${groupId}`, body, { 'if-match': current });
      expect(response).toMatchObject({ status: 200, body: { displayName: 'Platform' } });
      expect(memberIds(response.body)).toEqual([user('ann'), user('cat')].sort());
      expect(response.headers.get('etag')).not.toBe(current);
      etag = response.headers.get('etag')!;
      expect(
        (
          await scim.patch(`/Groups/${groupId}`, patchOp({ op: 'replace', path: 'displayName', value: 'x' }), {
            'if-match': 'W/"1"',
          })
        ).status,
      ).toBe(412);
    });

    it('answers 404 for a group that is not there', async () => {
      expect((await scim.get('/Groups/00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect(
        (await scim.patch('/Groups/not-a-uuid', patchOp({ op: 'replace', path: 'displayName', value: 'x' }))).status,
      ).toBe(404);
    });
  });

  describe('Entra ID: groups with externalId, capitalized ops and member value lists', () => {
    let groupId: string;
    const externalId = '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159';

    it('creates it; a retry with the same externalId is 409, a namesake with another externalId is a new group', async () => {
      const body = {
        schemas: [SCIM.group, ENTRA_GROUP_SCHEMA],
        externalId,
        displayName: 'Marketing',
        meta: { resourceType: 'Group' },
      };
      const response = await scim.post('/Groups', body);
      expect(response).toMatchObject({
        status: 201,
        body: { externalId, displayName: 'Marketing', members: [], schemas: [SCIM.group, ENTRA_GROUP_SCHEMA] },
      });
      groupId = response.body.id;
      const retry = await scim.post('/Groups', body);
      expect(retry).toMatchObject({
        status: 409,
        body: { scimType: 'uniqueness', detail: `Resource [GROUP]: with externalId[${externalId}] already exists.` },
      });
      const namesake = await scim.post('/Groups', { ...body, externalId: 'another-marketing' });
      expect(namesake.status).toBe(201);
      expect((await scim.get(`/Groups${filterQuery('displayName eq "Marketing"')}`)).body.totalResults).toBe(2);
    });

    it('finds it by externalId and displayName, without members when asked', async () => {
      const response = await scim.get(
        `/Groups${filterQuery(`externalId eq "${externalId}"`, '&excludedAttributes=members')}`,
      );
      expect(response.body.totalResults).toBe(1);
      expect(response.body.Resources[0]).not.toHaveProperty('members');
      const single = await scim.get(`/Groups/${groupId}?excludedAttributes=members`);
      expect(single.body).not.toHaveProperty('members');
    });

    it('adds and removes members with value lists', async () => {
      const added = await scim.patch(
        `/Groups/${groupId}`,
        patchOp({
          op: 'Add',
          path: 'members',
          value: [
            { $ref: null, value: user('ann') },
            { $ref: null, value: user('ben') },
          ],
        }),
      );
      expect(memberIds(added.body)).toEqual([user('ann'), user('ben')].sort());
      const removed = await scim.patch(
        `/Groups/${groupId}`,
        patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: user('ann') }] }),
      );
      expect(memberIds(removed.body)).toEqual([user('ben')]);
      // Removing a value that is not a member is not an error: the IdP's view already holds.
      const again = await scim.patch(
        `/Groups/${groupId}`,
        patchOp({ op: 'Remove', path: 'members', value: [{ value: user('ann') }] }),
      );
      expect(again.status).toBe(200);
    });

    it('checks membership with the filter Entra sends', async () => {
      const member = await scim.get(
        `/Groups${filterQuery(`id eq "${groupId}" and members[value eq "${user('ben')}"]`, '&excludedAttributes=members')}`,
      );
      expect(member.body.totalResults).toBe(1);
      const notMember = await scim.get(
        `/Groups${filterQuery(`id eq "${groupId}" and members[value eq "${user('cat')}"]`, '&excludedAttributes=members')}`,
      );
      expect(notMember.body.totalResults).toBe(0);
      const byMember = await scim.get(
        `/Groups${filterQuery(`members eq "${user('ben').toUpperCase()}"`, '&attributes=displayName&sortBy=displayName')}`,
      );
      expect(byMember.body.Resources.map((group: { displayName: string }) => group.displayName)).toEqual(['Marketing']);
      const annGroups = await scim.get(
        `/Groups${filterQuery(`members[value eq "${user('ann')}"] or members[value eq "${user('cat')}"]`, '&attributes=displayName')}`,
      );
      expect(annGroups.body.Resources.map((group: { displayName: string }) => group.displayName)).toEqual(['Platform']);
    });

    it('renames with Replace displayName', async () => {
      const response = await scim.patch(
        `/Groups/${groupId}`,
        patchOp({ op: 'Replace', path: 'displayName', value: 'Marketing EMEA' }),
      );
      expect(response).toMatchObject({ status: 200, body: { displayName: 'Marketing EMEA', externalId } });
    });

    it('refuses malformed group filters and attributes groups do not have', async () => {
      // (`members[value eq "x"].value eq "y"` is Entra's form of `members[value eq "x" and value eq "y"]`: accepted.)
      for (const filter of [
        'displayName eq',
        'userName eq "x"',
        'members[value eq "x"].value',
        'members[value eq "x"].',
      ]) {
        expect(await scim.get(`/Groups${filterQuery(filter)}`)).toMatchObject({
          status: 400,
          body: { scimType: 'invalidFilter' },
        });
      }
    });
  });

  describe('in GraphQL', () => {
    it('shows Account.groups and ScimRecord.groups, with directory and memberCount, batched', async () => {
      db.queries.reset();
      const { data, errors } = await app.gql<{
        accounts: { edges: Array<{ node: { email: string; groups: Array<{ displayName: string }> } }> };
      }>(
        `{ accounts(first: 20) { edges { node { email
            groups { displayName externalId memberCount directory { name } }
            scimRecords { userName groups { displayName } } } } } }`,
        {},
        { token },
      );
      expect(errors).toBeUndefined();
      const byEmail = new Map(data!.accounts.edges.map((edge) => [edge.node.email, edge.node]));
      expect(byEmail.get('ben@acme.com')).toEqual({
        email: 'ben@acme.com',
        groups: [
          {
            displayName: 'Marketing EMEA',
            externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
            memberCount: 1,
            directory: { name: 'Okta' },
          },
        ],
        scimRecords: [{ userName: 'ben@acme.com', groups: [{ displayName: 'Marketing EMEA' }] }],
      });
      expect(byEmail.get('ann@acme.com')!.groups).toEqual([
        { displayName: 'Platform', externalId: null, memberCount: 2, directory: { name: 'Okta' } },
      ]);
      expect(byEmail.get('cat@acme.com')!.groups.map((group) => group.displayName)).toEqual(['Platform']);
      // One query per loader, however many accounts and groups.
      expect(db.queries.tagged('loader:scimGroupsByAccount')).toHaveLength(1);
      expect(db.queries.tagged('loader:scimGroupsByRecord')).toHaveLength(1);
      expect(db.queries.tagged('loader:scimGroupMemberCount')).toHaveLength(1);
    });

    it("drops a deleted user from its groups; a deleted group leaves its members' accounts", async () => {
      const [{ account_id: catAccount }] = await db.dataSource.query<Array<{ account_id: string }>>(
        `SELECT account_id FROM scim_record WHERE id = $1`,
        [user('cat')],
      );
      expect((await scim.delete(`/Users/${user('cat')}`)).status).toBe(204);
      const platform = (await scim.get(`/Groups${filterQuery('displayName eq "Platform"')}`)).body.Resources[0];
      expect(memberIds(platform)).toEqual([user('ann')]);

      const stale = await scim.delete(`/Groups/${platform.id}`, { 'if-match': 'W/"1"' });
      expect(stale.status).toBe(412);
      expect((await scim.delete(`/Groups/${platform.id}`)).status).toBe(204);
      expect((await scim.get(`/Groups/${platform.id}`)).status).toBe(404);
      expect((await scim.delete(`/Groups/${platform.id}`)).status).toBe(404);

      const { data } = await app.gql<{ ann: { groups: unknown[] }; cat: { email: string; groups: unknown[] } }>(
        `query($ann: ID!, $cat: ID!) { ann: account(id: $ann) { groups { displayName } } cat: account(id: $cat) { email groups { displayName } } }`,
        {
          ann: (
            await db.dataSource.query<Array<{ account_id: string }>>(
              `SELECT account_id FROM scim_record WHERE id = $1`,
              [user('ann')],
            )
          )[0].account_id,
          cat: catAccount,
        },
        { token },
      );
      expect(data).toEqual({ ann: { groups: [] }, cat: { email: 'cat@acme.com', groups: [] } });
    });

    it('audits every group change as the IdP', async () => {
      const events = await db.dataSource.query<Array<{ action: string; actor: string }>>(
        `SELECT action, actor FROM audit_event WHERE target_type = 'ScimGroup' ORDER BY id`,
      );
      expect(new Set(events.map((event) => event.actor))).toEqual(new Set([`scim:${directoryId}`]));
      expect(events.map((event) => event.action)).toEqual(
        expect.arrayContaining(['scim.createGroup', 'scim.patchGroup', 'scim.replaceGroup', 'scim.deleteGroup']),
      );
    });
  });

  // RFC 7644 §3.4.3: POST /.search at the root, across Users and Groups.
  it('searches across Users and Groups at the root, paged across both', async () => {
    const search = (body: Record<string, unknown>) => scim.post('/.search', { schemas: [SCIM.searchRequest], ...body });
    const everything = await search({ filter: 'id pr', count: 200 });
    expect(everything.status).toBe(200);
    const users = everything.body.Resources.filter((r) => r.meta.resourceType === 'User');
    const groups = everything.body.Resources.filter((r) => r.meta.resourceType === 'Group');
    expect(users.length).toBeGreaterThan(0);
    expect(everything.body.totalResults).toBe(users.length + groups.length);
    // Only Users have a userName: Groups match nothing, not a 400.
    const byUserName = await search({ filter: `userName eq "${users[0].userName}"` });
    expect(byUserName.body).toMatchObject({ totalResults: 1, Resources: [{ id: users[0].id }] });
    // Pages run across the types: the last User, then the first Group.
    expect(groups.length).toBeGreaterThan(0);
    {
      const page = await search({ filter: 'id pr', startIndex: users.length, count: 2 });
      expect(page.body.Resources.map((r) => r.id)).toEqual([users.at(-1)!.id, groups[0].id]);
    }
    expect((await search({ filter: 'nosuch eq "x"' })).body).toMatchObject({
      status: '400',
      scimType: 'invalidFilter',
    });
    expect((await search({ filter: 'userName eq' })).status).toBe(400);
  });
});
