import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient, type ScimClient } from '../support/scim-client';
import { AccountOrigin } from '../../src/accounts/account.enums';

const UNAVAILABLE = (email: string) =>
  `${email} cannot be used by your organization: it is in use outside it, or its domain belongs to another organization.`;
const CONFLICT_409 = (email: string) => ({
  schemas: [SCIM.error],
  status: '409',
  scimType: 'uniqueness',
  detail: `Resource [USER]: with email[${email}] already exists.`,
});
const NOT_AVAILABLE_SUMMARY = (directory: string, userName: string, email: string) =>
  `${directory} provisions ${userName} with ${email}, which is not available to your organization: it is in use outside it, or its domain belongs to another organization.`;
const OWNED_ELSEWHERE_SUMMARY = (email: string, domain: string) =>
  `${email} is on ${domain}, a domain another organization has verified; its addresses belong to that organization (rule R8). Move the account to an address on one of your own domains.`;

const user = (email: string, externalId: string) => ({
  schemas: [SCIM.user],
  externalId,
  userName: email,
  emails: [{ value: email, type: 'work', primary: true }],
  active: true,
});

interface UserErrorShape {
  code: string;
  field: string | null;
  rule: string | null;
  message: string;
}
interface RecordNode {
  id: string;
  syncStatus: string;
  lastError: string | null;
  account: { email: string } | null;
  conflicts: Array<{
    kind: string;
    summary: string;
    conflictingAccount: { id: string } | null;
    remediation: unknown[];
  }>;
}
interface ConflictNode {
  id: string;
  summary: string;
  email: string;
  account: { id: string } | null;
  domain: { id: string } | null;
  remediation: unknown[];
}
interface RuleReport {
  id: string;
  enforced: boolean;
  findingCount: number;
  findings: Array<{ subjectType: string; subjectId: string; message: string }>;
}
interface Rescan {
  openedCount: number;
  resolvedCount: number;
  opened: Array<{ kind: string; summary: string }>;
  resolved: Array<{ kind: string; summary: string }>;
}
interface AddedDomain {
  id: string;
  verification: { token: string };
}

/**
 * Rules R8 (the addresses of a verified domain belong to the organization that verified it) and
 * R3 on renames, across two organizations, over GraphQL and SCIM.
 */
describe('domain ownership across organizations (rules R8 and R3)', () => {
  let db: TestDatabase;
  let app: TestServer;
  let dns: TestDnsServer;
  let acme: { id: string; token: string; okta: ScimClient };
  let globex: { id: string; token: string; google: ScimClient };
  let guestId: string;
  let staffId: string;
  let henryId: string;
  let walkInId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dns = await startDnsServer();
    app = await startTestServer(db.dataSource, { domainCheck: { dnsServers: [dns.address] } });
    const given = fixtures(db.dataSource);

    const acmeId = (await given.organization('acme')).id;
    await given.domain(acmeId, 'acme.com', { verified: true, claimed: true });
    await given.domain(acmeId, 'acme.org', { verified: true, claimed: true });
    const okta = await given.directory(acmeId, 'Okta');
    acme = { id: acmeId, token: await app.token(acmeId), okta: scimClient(app.url, okta.id, okta.token) };
    henryId = (await given.account(acmeId, 'henry@acme.com', { managed: true })).id;
    walkInId = (await given.account(acmeId, 'walk.in@acme.com')).id;

    const globexId = (await given.organization('globex')).id;
    await given.domain(globexId, 'globex.com', { verified: true, claimed: true });
    const google = await given.directory(globexId, 'Google Workspace');
    globex = { id: globexId, token: await app.token(globexId), google: scimClient(app.url, google.id, google.token) };
    // An invited guest (unmanaged: rule R3 keeps managed accounts on globex's own domains anyway), and staff.
    guestId = (await given.account(globexId, 'guest@partner.example', { origin: AccountOrigin.INVITATION })).id;
    staffId = (await given.account(globexId, 'staff@globex.com', { managed: true })).id;
  });
  afterAll(async () => {
    await app.stop();
    await dns.close();
    await db.drop();
  });

  const gql = async <T = Record<string, unknown>>(
    token: string,
    query: string,
    variables?: Record<string, unknown>,
  ) => {
    const response = await app.gql<T>(query, variables, { token });
    expect(response.errors).toBeUndefined();
    return response.data!;
  };
  const rename = async (token: string, accountId: string, newEmail: string | null, dryRun = false) =>
    (
      await gql<{
        renameAccountEmail: { account: { email: string; managed: boolean } | null; userErrors: UserErrorShape[] };
      }>(
        token,
        `mutation($id: ID!, $email: String, $dryRun: Boolean) {
          renameAccountEmail(accountId: $id, newEmail: $email, dryRun: $dryRun) {
            account { email managed } userErrors { code field rule message } } }`,
        { id: accountId, email: newEmail, dryRun },
      )
    ).renameAccountEmail;
  const organizationRows = async (organizationId: string) =>
    db.dataSource.query<unknown[]>(
      `SELECT (SELECT json_agg(a ORDER BY a.id) FROM account a WHERE a.organization_id = $1) AS accounts,
              (SELECT json_agg(c ORDER BY c.id) FROM conflict c WHERE c.organization_id = $1) AS conflicts`,
      [organizationId],
    );
  const recordByUserName = async (token: string, userName: string) =>
    (
      await gql<{ scimRecords: { edges: Array<{ node: RecordNode }> } }>(
        token,
        `query($userName: String!) { scimRecords(filter: { userName: $userName }) { edges { node {
          id syncStatus lastError account { email }
          conflicts(status: OPEN) { kind summary conflictingAccount { id } remediation { action automated arguments description } }
        } } } }`,
        { userName },
      )
    ).scimRecords.edges[0].node;

  describe("another organization's IdP and admins (item 1)", () => {
    it('answers a SCIM create of an address on a domain acme verified with 409 uniqueness; nothing of acme changes', async () => {
      const acmeBefore = await organizationRows(acme.id);
      const created = await globex.google.post('/Users', user('ceo@acme.com', 'g-ceo'));
      expect(created.status).toBe(409);
      expect(created.body).toEqual(CONFLICT_409('ceo@acme.com'));
      expect(await db.dataSource.query(`SELECT id FROM account WHERE lower(email) = 'ceo@acme.com'`)).toEqual([]);
      expect(await organizationRows(acme.id)).toEqual(acmeBefore);

      const record = await recordByUserName(globex.token, 'ceo@acme.com');
      expect(record).toMatchObject({
        syncStatus: 'FAILED',
        lastError: 'Resource [USER]: with email[ceo@acme.com] already exists.',
        account: null,
      });
      const taken = record.conflicts.find((conflict) => conflict.kind === 'EMAIL_TAKEN');
      expect(taken).toEqual({
        kind: 'EMAIL_TAKEN',
        summary: NOT_AVAILABLE_SUMMARY('Google Workspace', 'ceo@acme.com', 'ceo@acme.com'),
        conflictingAccount: null,
        remediation: [
          {
            action: 'changeEmailAtIdentityProvider',
            automated: false,
            arguments: {},
            description:
              'ceo@acme.com is not available to your organization: give the user another email at the identity provider.',
          },
          {
            action: 'resyncScimRecord',
            automated: true,
            arguments: { id: record.id },
            description: "Apply the identity provider's last push to the account again; the conflict then resolves.",
          },
        ],
      });
    });

    it('tells a push onto an address held outside exactly what it tells a push onto a domain owned outside', async () => {
      // shared.example is verified by nobody: only the holder makes the address unavailable.
      await fixtures(db.dataSource).account(acme.id, 'pat@shared.example');
      const created = await globex.google.post('/Users', user('pat@shared.example', 'g-pat'));
      expect(created.status).toBe(409);
      expect(created.body).toEqual(CONFLICT_409('pat@shared.example'));
      const held = await recordByUserName(globex.token, 'pat@shared.example');
      const owned = await recordByUserName(globex.token, 'ceo@acme.com');
      const emailTaken = (record: RecordNode, email: string) =>
        JSON.stringify(record.conflicts.find((conflict) => conflict.kind === 'EMAIL_TAKEN'))
          .replaceAll(email, '<email>')
          .replaceAll(record.id, '<id>');
      expect(emailTaken(held, 'pat@shared.example')).toBe(emailTaken(owned, 'ceo@acme.com'));
    });

    it('answers SCIM PUT and PATCH onto such an address with 409; the account keeps its email', async () => {
      const created = await globex.google.post('/Users', user('g.user@globex.com', 'g-user'));
      expect(created.status).toBe(201);
      const id = created.body.id;

      const replaced = await globex.google.put(`/Users/${id}`, user('new.ceo@acme.com', 'g-user'));
      expect(replaced.status).toBe(409);
      expect(replaced.body).toEqual(CONFLICT_409('new.ceo@acme.com'));

      const patched = await globex.google.patch(`/Users/${id}`, {
        schemas: [SCIM.patchOp],
        Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'cfo@acme.com' }],
      });
      expect(patched.status).toBe(409);
      expect(patched.body).toEqual(CONFLICT_409('cfo@acme.com'));

      const [account] = await db.dataSource.query<Array<{ email: string }>>(
        `SELECT a.email FROM account a JOIN scim_record r ON r.account_id = a.id WHERE r.id = $1`,
        [id],
      );
      expect(account.email).toBe('g.user@globex.com');
    });

    it('refuses renameAccountEmail onto a domain acme verified with EMAIL_UNAVAILABLE (rule R8), naming no one', async () => {
      const before = await organizationRows(acme.id);
      expect(await rename(globex.token, guestId, 'new.hire@acme.com')).toEqual({
        account: { email: 'guest@partner.example', managed: false },
        userErrors: [
          { code: 'EMAIL_UNAVAILABLE', field: 'newEmail', rule: 'R8', message: UNAVAILABLE('new.hire@acme.com') },
        ],
      });
      const [{ email }] = await db.dataSource.query<Array<{ email: string }>>(
        `SELECT email FROM account WHERE id = $1`,
        [guestId],
      );
      expect(email).toBe('guest@partner.example');
      expect(await organizationRows(acme.id)).toEqual(before);
    });

    it('refuses to link a record to an account when the email it wants is not available', async () => {
      const record = await recordByUserName(globex.token, 'ceo@acme.com');
      const data = await gql(
        globex.token,
        `mutation($id: ID!, $accountId: ID!) { linkScimRecord(id: $id, accountId: $accountId) {
          scimRecord { syncStatus account { id } } userErrors { code field rule message } } }`,
        { id: record.id, accountId: staffId },
      );
      expect(data.linkScimRecord).toEqual({
        scimRecord: { syncStatus: 'FAILED', account: null },
        userErrors: [{ code: 'EMAIL_UNAVAILABLE', field: 'id', rule: 'R8', message: UNAVAILABLE('ceo@acme.com') }],
      });

      // A resync (as the retry worker does) keeps answering the IdP's error.
      const resync = await gql(
        globex.token,
        `mutation($id: ID!) { resyncScimRecord(id: $id) { scimRecord { syncStatus } userErrors { code message } } }`,
        { id: record.id },
      );
      expect(resync.resyncScimRecord).toEqual({
        scimRecord: { syncStatus: 'FAILED' },
        userErrors: [{ code: 'EMAIL_TAKEN', message: 'Resource [USER]: with email[ceo@acme.com] already exists.' }],
      });
    });
  });

  describe('no existence oracle across organizations (item 3)', () => {
    it('answers the same bytes whether the address is held outside, its domain is owned outside, or both', async () => {
      // The same address, first free on acme's verified domain, then held by an acme account too.
      const domainOnly = await rename(globex.token, guestId, 'sam@acme.com', true);
      await fixtures(db.dataSource).account(acme.id, 'sam@acme.com', { managed: true });
      const domainAndHolder = await rename(globex.token, guestId, 'sam@acme.com', true);
      expect(JSON.stringify(domainAndHolder)).toBe(JSON.stringify(domainOnly));
      expect(domainOnly.userErrors).toEqual([
        { code: 'EMAIL_UNAVAILABLE', field: 'newEmail', rule: 'R8', message: UNAVAILABLE('sam@acme.com') },
      ]);

      // Held outside on a domain nobody verified: the same refusal, word for word.
      const holderOnly = await rename(globex.token, guestId, 'pat@shared.example', true);
      expect(JSON.stringify(holderOnly).replaceAll('pat@shared.example', '<email>')).toBe(
        JSON.stringify(domainOnly).replaceAll('sam@acme.com', '<email>'),
      );
      // What global uniqueness cannot hide: a free address on a domain nobody verified can be taken.
      expect((await rename(globex.token, guestId, 'free@shared.example', true)).userErrors).toEqual([]);
    });

    it('answers a managed account by rule R3 alone, which reads only its own organization', async () => {
      const held = await rename(globex.token, staffId, 'pat@shared.example', true);
      const free = await rename(globex.token, staffId, 'free@shared.example', true);
      expect(JSON.stringify(held).replaceAll('pat@', 'x@')).toBe(JSON.stringify(free).replaceAll('free@', 'x@'));
      expect(held.userErrors).toMatchObject([{ code: 'DOMAIN_NOT_VERIFIED', rule: 'R3' }]);
    });
  });

  describe('a managed account stays on its organization’s verified domains (item 2, rule R3)', () => {
    it('refuses to rename a managed account onto a domain the organization has not verified', async () => {
      expect(await rename(acme.token, henryId, 'x@never-verified.example')).toEqual({
        account: { email: 'henry@acme.com', managed: true },
        userErrors: [
          {
            code: 'DOMAIN_NOT_VERIFIED',
            field: 'newEmail',
            rule: 'R3',
            message:
              "x@never-verified.example is not on a verified domain of your organization, and a managed account's email stays on one: add and verify never-verified.example first.",
          },
        ],
      });
    });

    it('lets it move to another verified domain of the organization, or to a placeholder on its own', async () => {
      expect(await rename(acme.token, henryId, 'henry@acme.org')).toEqual({
        account: { email: 'henry@acme.org', managed: true },
        userErrors: [],
      });
      expect(await rename(acme.token, henryId, null)).toEqual({
        account: { email: 'henry+duplicated@acme.org', managed: true },
        userErrors: [],
      });
    });

    it('leaves unmanaged accounts free to go anywhere that is available', async () => {
      expect(await rename(acme.token, walkInId, 'walk.in@never-verified.example')).toEqual({
        account: { email: 'walk.in@never-verified.example', managed: false },
        userErrors: [],
      });
    });

    it('reports managed accounts on domains the organization has not verified at all (rule R3)', async () => {
      const predates = await fixtures(db.dataSource).account(acme.id, 'old@gone.example', { managed: true });
      const report = await gql<{ governanceReport: { rules: RuleReport[] } }>(
        acme.token,
        `{ governanceReport { rules { id findings { subjectType subjectId message } } } }`,
      );
      const r3 = report.governanceReport.rules.find((rule) => rule.id === 'R3')!;
      expect(r3.findings).toContainEqual({
        subjectType: 'Account',
        subjectId: predates.id,
        message:
          "old@gone.example is not on a verified domain of your organization, and a managed account's email stays on one: add and verify gone.example first.",
      });
    });
  });

  describe('a holder whose address predates the verification', () => {
    let domainId: string;
    let token: string;
    let founderId: string;
    let ctoId: string;

    beforeAll(async () => {
      // Before acme verifies acme.io, globex took two addresses on it: one by hand, one from its IdP.
      founderId = (await fixtures(db.dataSource).account(globex.id, 'founder@acme.io')).id;
      const pushed = await globex.google.post('/Users', user('cto@acme.io', 'g-cto'));
      expect(pushed.status).toBe(201);
      const [{ account_id }] = await db.dataSource.query<Array<{ account_id: string }>>(
        `SELECT account_id FROM scim_record WHERE id = $1`,
        [pushed.body.id],
      );
      ctoId = account_id;

      const added = await gql<{ addDomain: { domain: AddedDomain } }>(
        acme.token,
        `mutation { addDomain(name: "acme.io") { domain { id verification { token } } userErrors { code } } }`,
      );
      domainId = added.addDomain.domain.id;
      token = added.addDomain.domain.verification.token;
    });

    const conflictsOf = async (as: string, kind: string) =>
      (
        await gql<{ conflicts: { edges: Array<{ node: ConflictNode }> } }>(
          as,
          `query($kind: ConflictKind!) { conflicts(filter: { kind: $kind, status: OPEN }) { edges { node {
            id summary email account { id } domain { id }
            remediation { action automated arguments description } } } } }`,
          { kind },
        )
      ).conflicts.edges.map((edge) => edge.node);
    const detect = async (as: string) =>
      (
        await gql<{ detectConflicts: Rescan }>(
          as,
          `mutation { detectConflicts { openedCount resolvedCount opened { kind summary } resolved { kind summary } } }`,
        )
      ).detectConflicts;

    it('verifyDomain opens DOMAIN_OWNED_ELSEWHERE in the holder organization at once, naming no one', async () => {
      dns.setTxt('acme.io', [[token]]);
      const verified = await gql(
        acme.token,
        `mutation($id: ID!) { verifyDomain(id: $id) { domain { status } userErrors { code message } } }`,
        { id: domainId },
      );
      expect(verified.verifyDomain).toEqual({ domain: { status: 'VERIFIED' }, userErrors: [] });

      const opened = await conflictsOf(globex.token, 'DOMAIN_OWNED_ELSEWHERE');
      expect(opened.sort((a, b) => a.email.localeCompare(b.email))).toEqual([
        {
          id: expect.any(String),
          summary: OWNED_ELSEWHERE_SUMMARY('cto@acme.io', 'acme.io'),
          email: 'cto@acme.io',
          account: { id: ctoId },
          domain: null,
          remediation: [
            {
              action: 'changeEmailAtIdentityProvider',
              automated: false,
              arguments: {},
              description:
                'Give the user an address on one of your own domains at the identity provider and push it; the conflict resolves once the account leaves acme.io.',
            },
          ],
        },
        {
          id: expect.any(String),
          summary: OWNED_ELSEWHERE_SUMMARY('founder@acme.io', 'acme.io'),
          email: 'founder@acme.io',
          account: { id: founderId },
          domain: null,
          remediation: [
            {
              action: 'renameAccountEmail',
              automated: false,
              arguments: { accountId: founderId },
              description:
                'Rename the account to an address on one of your own verified domains (pass newEmail: a placeholder would stay on acme.io), or deactivate it; the conflict then resolves.',
            },
          ],
        },
      ]);
    });

    it('a rescan on either side then finds nothing new', async () => {
      expect(await detect(globex.token)).toEqual({ openedCount: 0, resolvedCount: 0, opened: [], resolved: [] });
      expect(await detect(acme.token)).toEqual({ openedCount: 0, resolvedCount: 0, opened: [], resolved: [] });
    });

    it('governanceReport shows rule R8 on both sides, naming no organization', async () => {
      const r8 = async (as: string) =>
        (
          await gql<{ governanceReport: { rules: RuleReport[] } }>(
            as,
            `{ governanceReport { rules { id enforced findingCount findings { subjectType subjectId message } } } }`,
          )
        ).governanceReport.rules.find((rule) => rule.id === 'R8')!;
      const holder = await r8(globex.token);
      expect(holder.enforced).toBe(true);
      expect(holder.findings).toEqual(
        expect.arrayContaining([
          {
            subjectType: 'Account',
            subjectId: founderId,
            message: OWNED_ELSEWHERE_SUMMARY('founder@acme.io', 'acme.io'),
          },
          { subjectType: 'Account', subjectId: ctoId, message: OWNED_ELSEWHERE_SUMMARY('cto@acme.io', 'acme.io') },
        ]),
      );
      expect(holder.findingCount).toBe(2);
      const owner = await r8(acme.token);
      expect(owner.findings).toEqual([
        {
          subjectType: 'Domain',
          subjectId: domainId,
          message:
            'cto@acme.io on your verified domain acme.io is held by an account outside your organization (it predates your verification); that organization is asked to move it (rule R8).',
        },
        {
          subjectType: 'Domain',
          subjectId: domainId,
          message:
            'founder@acme.io on your verified domain acme.io is held by an account outside your organization (it predates your verification); that organization is asked to move it (rule R8).',
        },
      ]);
      expect(JSON.stringify([holder, owner])).not.toMatch(/globex|acme\b(?!\.io)/i);
    });

    it("the owner's IdP push for such an address fails, and its remediation says what the owner can do", async () => {
      const pushed = await acme.okta.post('/Users', user('founder@acme.io', 'o-founder'));
      expect(pushed.status).toBe(409);
      expect(pushed.body).toEqual(CONFLICT_409('founder@acme.io'));
      const record = await recordByUserName(acme.token, 'founder@acme.io');
      const taken = record.conflicts.find((conflict) => conflict.kind === 'EMAIL_TAKEN');
      expect(taken).toEqual({
        kind: 'EMAIL_TAKEN',
        summary: NOT_AVAILABLE_SUMMARY('Okta', 'founder@acme.io', 'founder@acme.io'),
        conflictingAccount: null,
        remediation: [
          {
            action: 'awaitRelease',
            automated: false,
            arguments: {},
            description:
              'founder@acme.io is on your verified domain acme.io, but an account outside your organization held it before you verified the domain. That organization has been asked to move it (rule R8); once it has, resync (the retry worker also keeps retrying), or give the user another email at the identity provider.',
          },
          {
            action: 'resyncScimRecord',
            automated: true,
            arguments: { id: record.id },
            description: "Apply the identity provider's last push to the account again; the conflict then resolves.",
          },
        ],
      });
    });

    it('the holder cannot park the address on a placeholder; a rename away resolves its conflict and frees the owner', async () => {
      expect((await rename(globex.token, founderId, null)).userErrors).toEqual([
        {
          code: 'EMAIL_UNAVAILABLE',
          field: 'newEmail',
          rule: 'R8',
          message: UNAVAILABLE('founder+duplicated@acme.io'),
        },
      ]);
      expect(await rename(globex.token, founderId, 'founder@partner.example')).toEqual({
        account: { email: 'founder@partner.example', managed: false },
        userErrors: [],
      });
      expect((await conflictsOf(globex.token, 'DOMAIN_OWNED_ELSEWHERE')).map((c) => c.email)).toEqual(['cto@acme.io']);

      const record = await recordByUserName(acme.token, 'founder@acme.io');
      const resync = await gql(
        acme.token,
        `mutation($id: ID!) { resyncScimRecord(id: $id) {
          scimRecord { syncStatus account { email } } resolvedConflicts { kind } userErrors { code } } }`,
        { id: record.id },
      );
      expect(resync.resyncScimRecord).toEqual({
        scimRecord: { syncStatus: 'SYNCED', account: { email: 'founder@acme.io' } },
        resolvedConflicts: [{ kind: 'EMAIL_TAKEN' }],
        userErrors: [],
      });
    });

    it('a domain that changes hands moves the conflict to the other side', async () => {
      const add = async (as: string) =>
        (
          await gql<{ addDomain: { domain: AddedDomain } }>(
            as,
            `mutation { addDomain(name: "contested.example") { domain { id verification { token } } } }`,
          )
        ).addDomain.domain;
      const verify = async (as: string, id: string) =>
        (await gql(as, `mutation($id: ID!) { verifyDomain(id: $id) { domain { status } } }`, { id })).verifyDomain;
      const acmeHolder = await fixtures(db.dataSource).account(acme.id, 'a@contested.example');
      const globexHolder = await fixtures(db.dataSource).account(globex.id, 'g@contested.example');
      const [acmeDomain, globexDomain] = [await add(acme.token), await add(globex.token)];

      dns.setTxt('contested.example', [[globexDomain.verification.token]]);
      expect(await verify(globex.token, globexDomain.id)).toEqual({ domain: { status: 'VERIFIED' } });
      expect((await conflictsOf(acme.token, 'DOMAIN_OWNED_ELSEWHERE')).map((c) => c.account!.id)).toEqual([
        acmeHolder.id,
      ]);

      dns.setTxt('contested.example', [[globexDomain.verification.token], [acmeDomain.verification.token]]);
      expect(await verify(acme.token, acmeDomain.id)).toEqual({ domain: { status: 'VERIFIED' } });
      expect(await conflictsOf(acme.token, 'DOMAIN_OWNED_ELSEWHERE')).toEqual([]);
      expect((await conflictsOf(globex.token, 'DOMAIN_OWNED_ELSEWHERE')).map((c) => c.account!.id)).toContain(
        globexHolder.id,
      );
      // Acme's holder is now merely unclaimed on its own domain: the verification opened that
      // (rules in one place), so nothing is left for a rescan.
      expect((await conflictsOf(acme.token, 'UNMANAGED_ACCOUNT')).map((c) => c.account!.id)).toEqual([acmeHolder.id]);
      expect(await detect(acme.token)).toMatchObject({ opened: [], resolved: [] });
      expect(await detect(globex.token)).toMatchObject({ opened: [], resolved: [] });
    });

    it('a rescan resolves the rest once the domain is no longer VERIFIED', async () => {
      await db.dataSource.query(`UPDATE domain SET status = 'MISSING_TOKEN' WHERE id = $1`, [domainId]);
      const result = await detect(globex.token);
      expect(result.resolved).toEqual([
        { kind: 'DOMAIN_OWNED_ELSEWHERE', summary: OWNED_ELSEWHERE_SUMMARY('cto@acme.io', 'acme.io') },
      ]);
    });
  });
});
