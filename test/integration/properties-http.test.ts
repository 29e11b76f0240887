import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { normalizeEmail } from '../../src/accounts/email';
import { normalizeDomainName } from '../../src/domains/domain-name';

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: fc.constantFrom(...'aZ0@.+-_%\\\'"*[]{}() \t\n\u0000é\u0430\u200b'.split('')), maxLength: 80 }),
  fc.emailAddress(),
  fc.domain(),
);

/** Text Postgres cannot store (NUL) is refused up front as BAD_USER_INPUT; nothing else may error. */
const onlyBadInput = (errors: Array<{ extensions?: Record<string, unknown> }>) =>
  errors.every((error) => error.extensions?.code === 'BAD_USER_INPUT');

/** Random free text through the real HTTP server: never a 500, and nothing invalid ever stored. */
describe('property: GraphQL free-text arguments', () => {
  let db: TestDatabase;
  let app: TestServer;
  let token: string;
  let accountId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('fuzz')).id;
    await given.domain(organizationId, 'fuzz.example', { verified: true, claimed: true });
    // Unmanaged: a managed account may only move to the organization's verified domains (rule R3),
    // which would refuse most generated addresses before they reach storage.
    accountId = (await given.account(organizationId, 'target@fuzz.example')).id;
    token = await app.token(organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const runs = { numRuns: 150 };

  it('renameAccountEmail(newEmail): a userError or a valid stored email', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (newEmail) => {
        const response = await app.gql<{
          renameAccountEmail: { account: { email: string }; userErrors: Array<{ code: string }> };
        }>(
          `mutation($id: ID!, $email: String) { renameAccountEmail(accountId: $id, newEmail: $email) { account { email } userErrors { code } } }`,
          { id: accountId, email: newEmail },
          { token },
        );
        if (response.status >= 500) return false;
        if (response.errors) return onlyBadInput(response.errors);
        const { userErrors, account } = response.data!.renameAccountEmail;
        return userErrors.length > 0
          ? ['INVALID_EMAIL', 'EMAIL_TAKEN'].includes(userErrors[0].code)
          : normalizeEmail(account.email).ok;
      }),
      runs,
    );
    const stored = await db.dataSource.query<Array<{ email: string }>>(`SELECT email FROM account`);
    for (const { email } of stored) expect(normalizeEmail(email)).toMatchObject({ ok: true, email });
  });

  it('addDomain(name): a userError or a normalized stored name', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (name) => {
        const response = await app.gql<{
          addDomain: { domain: { name: string } | null; userErrors: Array<{ code: string }> };
        }>(
          `mutation($name: String!) { addDomain(name: $name) { domain { name } userErrors { code } } }`,
          { name },
          { token },
        );
        if (response.status >= 500) return false;
        if (response.errors) return onlyBadInput(response.errors);
        const { domain, userErrors } = response.data!.addDomain;
        return userErrors.length > 0
          ? ['INVALID_DOMAIN', 'PUBLIC_SUFFIX', 'DOMAIN_EXISTS'].includes(userErrors[0].code)
          : normalizeDomainName(domain!.name).ok;
      }),
      runs,
    );
  });

  it('list filters and cursors: results or BAD_USER_INPUT, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (text, cursor) => {
        const response = await app.gql(
          `query($text: String!, $id: ID, $cursor: String) {
            accounts(filter: { emailPrefix: $text, domain: $text }) { totalCount }
            byEmail: accountByEmail(email: $text) { id }
            domain(name: $text) { id }
            scimRecords(filter: { userName: $text, externalId: $text, directoryId: $id }) { totalCount }
            auditEvents(filter: { actor: $text, targetId: $id }) { totalCount }
            paged: conflicts(after: $cursor) { totalCount }
          }`,
          { text, id: text, cursor },
          { token },
        );
        if (response.status >= 500) return false;
        return onlyBadInput(response.errors ?? []);
      }),
      runs,
    );
  });
});
