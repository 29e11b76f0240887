import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { identityProvider } from '../support/idp';
import { followRemediation } from '../support/remediation';

type Trail = Array<{ action: string; actor: string; targetType: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null }>;

describe('the stories of the design, end to end over HTTP', () => {
  let db: TestDatabase;
  let app: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const trail = async (token: string, filter: Record<string, unknown>) => {
    const { data } = await app.gql<{ auditEvents: { edges: Array<{ node: Trail[number] }> } }>(
      `query($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 100) { edges { node { action actor targetType before after } } } }`,
      { filter },
      { token },
    );
    return data!.auditEvents.edges.map((edge) => edge.node).reverse();
  };

  describe("story 1: the article's case", () => {
    let organizationId: string;
    let token: string;
    let recordId: string;
    let aliceId: string;
    let aliceSmithId: string;
    let directoryId: string;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      organizationId = (await given.organization('story1')).id;
      await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
      directoryId = (await given.directory(organizationId, 'Okta')).id;
      token = await app.token(organizationId, undefined, 'admin@acme.com');
      const idp = identityProvider(db.dataSource, organizationId, directoryId);

      // Directory D provisions alice@acme.com (record R).
      const created = await idp.create({ externalId: '00u1', userName: 'alice@acme.com', givenName: 'Alice', familyName: 'Smith' });
      expect(created).toMatchObject({ kind: 'synced', status: 201 });
      recordId = created.kind === 'synced' ? created.record.id : '';
      aliceId = created.kind === 'synced' ? created.record.accountId! : '';
      // A self-signed-up account already owns alice.smith@acme.com.
      aliceSmithId = (await given.account(organizationId, 'alice.smith@acme.com')).id;
    });

    it('answers the IdP\'s email change with 409, FAILED and an EMAIL_TAKEN conflict naming both accounts', async () => {
      const idp = identityProvider(db.dataSource, organizationId, directoryId);
      const pushed = await idp.replace(recordId, { externalId: '00u1', userName: 'alice@acme.com', email: 'alice.smith@acme.com', givenName: 'Alice', familyName: 'Smith' });
      expect(pushed).toMatchObject({ kind: 'failed', status: 409 });
      expect(pushed.kind === 'failed' && pushed.sync.error.message).toBe('Resource [USER]: with email[alice.smith@acme.com] already exists.');

      const { data } = await app.gql<{ scimRecord: Record<string, unknown> }>(
        `query($id: ID!) { scimRecord(id: $id) {
            syncStatus lastError attempts nextRetryAt
            conflicts(status: OPEN) { kind email account { email } conflictingAccount { email origin }
              remediation { position action automated arguments done } }
        } }`,
        { id: recordId },
        { token },
      );
      expect(data!.scimRecord).toMatchObject({
        syncStatus: 'FAILED',
        lastError: 'Resource [USER]: with email[alice.smith@acme.com] already exists.',
        attempts: 1,
        conflicts: [
          {
            kind: 'EMAIL_TAKEN',
            email: 'alice.smith@acme.com',
            account: { email: 'alice@acme.com' },
            conflictingAccount: { email: 'alice.smith@acme.com', origin: 'SELF_SIGNUP' },
            remediation: [
              { position: 1, action: 'renameAccountEmail', automated: true, arguments: { accountId: aliceSmithId }, done: false },
              { position: 2, action: 'resyncScimRecord', automated: true, arguments: { id: recordId }, done: false },
            ],
          },
        ],
      });
      expect(Date.parse(data!.scimRecord.nextRetryAt as string)).toBeGreaterThan(Date.now());
    });

    it('is fixed by a script that follows only the remediation steps the API returns', async () => {
      const { data } = await app.gql<{ conflicts: { edges: Array<{ node: { id: string } }> } }>(
        `{ conflicts(filter: { kind: EMAIL_TAKEN, status: OPEN }) { edges { node { id } } } }`,
        undefined,
        { token },
      );
      const conflictId = data!.conflicts.edges[0].node.id;
      expect(await followRemediation(app, token, conflictId)).toEqual(['renameAccountEmail', 'resyncScimRecord']);

      const after = await app.gql<Record<string, Record<string, unknown>>>(
        `query($conflict: ID!, $record: ID!, $holder: ID!) {
          conflict(id: $conflict) { status resolution actionsTaken closedBy remediation { action } }
          scimRecord(id: $record) { syncStatus attempts lastError nextRetryAt account { email emailHistory { previousEmail newEmail action actor } } }
          holder: account(id: $holder) { email emailHistory { previousEmail newEmail action actor } }
        }`,
        { conflict: conflictId, record: recordId, holder: aliceSmithId },
        { token },
      );
      expect(after.data).toEqual({
        conflict: {
          status: 'RESOLVED',
          resolution: 'resyncScimRecord',
          actionsTaken: ['renameAccountEmail', 'resyncScimRecord'],
          closedBy: 'admin@acme.com',
          remediation: [],
        },
        scimRecord: {
          syncStatus: 'SYNCED',
          attempts: 0,
          lastError: null,
          nextRetryAt: null,
          account: {
            email: 'alice.smith@acme.com',
            emailHistory: [{ previousEmail: 'alice@acme.com', newEmail: 'alice.smith@acme.com', action: 'resyncScimRecord', actor: 'admin@acme.com' }],
          },
        },
        holder: {
          email: 'alice.smith+duplicated@acme.com',
          emailHistory: [{ previousEmail: 'alice.smith@acme.com', newEmail: 'alice.smith+duplicated@acme.com', action: 'renameAccountEmail', actor: 'admin@acme.com' }],
        },
      });
    });

    it('leaves an audit trail of every step, in order', async () => {
      const events = await trail(token, {});
      expect(events.map((event) => [event.action, event.actor, event.targetType])).toEqual([
        ['scim.createUser', `scim:${directoryId}`, 'ScimRecord'],
        ['scim.replaceUser', `scim:${directoryId}`, 'ScimRecord'],
        ['renameAccountEmail', 'admin@acme.com', 'Account'],
        ['resyncScimRecord', 'admin@acme.com', 'ScimRecord'],
      ]);
      expect(events[2]).toMatchObject({ before: { email: 'alice.smith@acme.com' }, after: { email: 'alice.smith+duplicated@acme.com' } });
      expect(events[3]).toMatchObject({ before: { syncStatus: 'FAILED' }, after: { syncStatus: 'SYNCED', accountId: aliceId } });
    });
  });
});
