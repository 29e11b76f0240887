import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { tableContents } from '../support/snapshot';
import { seedDemo, type DemoData } from '../../src/seed/demo';
import { expireIdempotencyKeys } from '../../src/db/transaction';

interface Payload {
  dryRun: boolean;
  replayed: boolean;
  userErrors: Array<{ code: string; field: string | null; rule: string | null; message: string }>;
  change: { action: string; targetType: string; before: unknown; after: unknown } | null;
}

const PAYLOAD = 'dryRun replayed userErrors { code field rule message } change { action targetType before after }';

describe('every mutation: dry runs, versions, idempotency keys and bad input', () => {
  let db: TestDatabase;
  let app: TestServer;
  let demo: DemoData;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    app = await startTestServer(db.dataSource);
    token = await app.token(demo.acme.organizationId, undefined, 'admin@acme.com');
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  /** Calls one mutation field and returns its payload. */
  const call = async (field: string, args: string, variables: Record<string, unknown> = {}, select = '') => {
    const declared = Object.keys(variables).length
      ? `(${Object.entries(variables)
          .map(([name]) => `$${name}: ${VARIABLE_TYPES[name] ?? 'ID!'}`)
          .join(', ')})`
      : '';
    const response = await app.gql<Record<string, Payload & Record<string, unknown>>>(
      `mutation${declared} { ${field}${args ? `(${args})` : ''} { ${PAYLOAD} ${select} } }`,
      variables,
      { token },
    );
    expect(response.errors).toBeUndefined();
    return response.data![field];
  };

  const VARIABLE_TYPES: Record<string, string> = {
    ids: '[ID!]!',
    email: 'String',
    name: 'String!',
    reason: 'String!',
    key: 'String',
  };

  describe('dryRun: every check and the computed change, with the database left byte for byte as it was', () => {
    beforeAll(async () => {
      // Something for a rescan to find: a self-signup on the verified domain since the last rescan.
      await db.dataSource.query(
        `INSERT INTO account (organization_id, email, email_domain, origin) VALUES ($1, 'newcomer@acme.com', 'acme.com', 'SELF_SIGNUP')`,
        [demo.acme.organizationId],
      );
    });

    const cases: Array<[string, () => [string, string, Record<string, unknown>]]> = [
      [
        'renameAccountEmail to a placeholder',
        () => ['renameAccountEmail', 'accountId: $id, dryRun: true', { id: demo.acme.accounts.aliceSmith }],
      ],
      [
        'renameAccountEmail to a new email',
        () => [
          'renameAccountEmail',
          'accountId: $id, newEmail: "robert@acme.com", dryRun: true',
          { id: demo.acme.accounts.bob },
        ],
      ],
      ['claimAccount', () => ['claimAccount', 'accountId: $id, dryRun: true', { id: demo.acme.accounts.bob }]],
      [
        'claimAccounts',
        () => [
          'claimAccounts',
          'ids: $ids, dryRun: true',
          { ids: [demo.acme.accounts.bob, demo.acme.accounts.aliceSmith] },
        ],
      ],
      [
        'suspendAccount',
        () => ['suspendAccount', 'id: $id, reason: "Left", dryRun: true', { id: demo.acme.accounts.dave }],
      ],
      ['deactivateAccount', () => ['deactivateAccount', 'id: $id, dryRun: true', { id: demo.acme.accounts.dave }]],
      ['addDomain', () => ['addDomain', 'name: "acme.io", dryRun: true', {}]],
      [
        'verifyDomain (the check fails)',
        () => ['verifyDomain', 'id: $id, dryRun: true', { id: demo.acme.domains.dev }],
      ],
      ['claimDomain', () => ['claimDomain', 'id: $id, dryRun: true', { id: demo.acme.domains.legacy }]],
      [
        'startDomainMigration (refused)',
        () => ['startDomainMigration', 'fromDomain: "acme-legacy.com", toDomain: "acme.com", dryRun: true', {}],
      ],
      [
        'createDirectory',
        () => [
          'createDirectory',
          'name: "OneLogin", provider: ONELOGIN, ssoEmailAttribute: "email", scimEmailAttribute: "email", dryRun: true',
          {},
        ],
      ],
      [
        'rotateDirectoryToken',
        () => ['rotateDirectoryToken', 'id: $id, dryRun: true', { id: demo.acme.directories.okta }],
      ],
      [
        'updateDirectoryMapping',
        () => [
          'updateDirectoryMapping',
          'directoryId: $id, ssoEmailAttribute: "user.mail", scimEmailAttribute: "user.mail", dryRun: true',
          { id: demo.acme.directories.entra },
        ],
      ],
      [
        'resyncScimRecord (a failing one, whose failure is normally recorded)',
        () => ['resyncScimRecord', 'id: $id, dryRun: true', { id: demo.acme.records.alice }],
      ],
      [
        'deleteScimRecord',
        () => ['deleteScimRecord', 'id: $id, dryRun: true', { id: demo.acme.records.graceEntraStuck }],
      ],
      ['unlinkScimRecord', () => ['unlinkScimRecord', 'id: $id, dryRun: true', { id: demo.acme.records.carol }]],
      [
        'linkScimRecord (refused)',
        () => [
          'linkScimRecord',
          'id: $id, accountId: $other, dryRun: true',
          { id: demo.acme.records.carol, other: demo.acme.accounts.aliceSmith },
        ],
      ],
      [
        'dismissConflict',
        () => ['dismissConflict', 'id: $id, reason: "Known", dryRun: true', { id: demo.acme.conflicts.unmanagedBob }],
      ],
      ['detectConflicts', () => ['detectConflicts', 'dryRun: true', {}]],
    ];

    it.each(cases)('%s', async (_, build) => {
      const [field, args, variables] = build();
      VARIABLE_TYPES.other = 'ID!';
      const before = await tableContents(db.dataSource);
      const payload = await call(field, args, variables);
      expect(payload.dryRun).toBe(true);
      expect(payload.change !== null || payload.userErrors.length > 0).toBe(true);
      expect(await tableContents(db.dataSource)).toEqual(before);
    });

    it('reports what a dry run would change: the placeholder a rename would take', async () => {
      const payload = await call(
        'renameAccountEmail',
        'accountId: $id, dryRun: true',
        { id: demo.acme.accounts.aliceSmith },
        'account { email } previousEmail',
      );
      expect(payload).toMatchObject({
        dryRun: true,
        userErrors: [],
        account: { email: 'alice.smith+duplicated@acme.com' },
        previousEmail: 'alice.smith@acme.com',
        change: {
          action: 'renameAccountEmail',
          targetType: 'Account',
          before: { email: 'alice.smith@acme.com' },
          after: { email: 'alice.smith+duplicated@acme.com' },
        },
      });
    });

    it('reports which rule would refuse', async () => {
      const payload = await call('renameAccountEmail', 'accountId: $id, dryRun: true', {
        id: demo.acme.accounts.alice,
      });
      expect(payload.userErrors).toEqual([
        expect.objectContaining({ code: 'IDP_MANAGED_ACCOUNT', rule: 'R1', field: 'accountId' }),
      ]);
      expect(payload.change).toBeNull();
    });
  });

  describe('rule refusals, each with its code and rule, and nothing written', () => {
    const refused = async (field: string, args: string, variables: Record<string, unknown>) => {
      const before = await tableContents(db.dataSource);
      const payload = await call(field, args, variables);
      expect(payload.change).toBeNull();
      expect(await tableContents(db.dataSource)).toEqual(before);
      return payload.userErrors;
    };

    it('R1: no manual rename, deactivation or email edit of an IdP-managed account', async () => {
      expect(
        await refused('renameAccountEmail', 'accountId: $id, newEmail: "a@acme.com"', { id: demo.acme.accounts.alice }),
      ).toMatchObject([
        {
          code: 'IDP_MANAGED_ACCOUNT',
          rule: 'R1',
          message:
            'alice@acme.com is managed by Okta: change it at the identity provider and push, or unlink its SCIM record first.',
        },
      ]);
      expect(await refused('deactivateAccount', 'id: $id', { id: demo.acme.accounts.graceLee })).toMatchObject([
        { code: 'IDP_MANAGED_ACCOUNT', rule: 'R1' },
      ]);
    });

    it('R3: no claim on a domain that is not verified', async () => {
      const unverified = await db.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO account (organization_id, email, email_domain, origin) VALUES ($1, 'zed@acme.dev', 'acme.dev', 'SELF_SIGNUP') RETURNING id`,
        [demo.acme.organizationId],
      );
      expect(await refused('claimAccount', 'accountId: $id', { id: unverified[0].id })).toMatchObject([
        { code: 'DOMAIN_NOT_VERIFIED', rule: 'R3' },
      ]);
      expect(
        await refused('claimAccounts', 'ids: $ids', { ids: [demo.acme.accounts.bob, unverified[0].id] }),
      ).toMatchObject([{ code: 'DOMAIN_NOT_VERIFIED', rule: 'R3', field: 'ids.1' }]);
      expect(await refused('claimDomain', 'id: $id', { id: demo.acme.domains.dev })).toMatchObject([
        { code: 'DOMAIN_NOT_VERIFIED', rule: 'R3' },
      ]);
    });

    it('R4: no migration until both domains are verified and claimed', async () => {
      expect(
        await refused('startDomainMigration', 'fromDomain: "acme-legacy.com", toDomain: "acme.com"', {}),
      ).toMatchObject([
        {
          code: 'DOMAIN_NOT_CLAIMED',
          rule: 'R4',
          message: 'Not ready to migrate acme-legacy.com to acme.com: acme-legacy.com is not claimed.',
        },
      ]);
      expect(await refused('startDomainMigration', 'fromDomain: "acme.dev", toDomain: "acme.com"', {})).toMatchObject([
        { code: 'DOMAIN_NOT_VERIFIED', rule: 'R4' },
      ]);
    });

    it('R6: a rename never takes an email another account owns, in any case', async () => {
      expect(
        await refused('renameAccountEmail', 'accountId: $id, newEmail: "Alice.Smith@ACME.com"', {
          id: demo.acme.accounts.bob,
        }),
      ).toMatchObject([
        {
          code: 'EMAIL_TAKEN',
          rule: 'R6',
          field: 'newEmail',
          message: 'Alice.Smith@acme.com already belongs to the account alice.smith@acme.com.',
        },
      ]);
      // Another organization's account is not named, nor confirmed (rule R8: one refusal for every outside reason).
      expect(
        await refused('renameAccountEmail', 'accountId: $id, newEmail: "hank.scorpio@globex.com"', {
          id: demo.acme.accounts.bob,
        }),
      ).toMatchObject([
        {
          code: 'EMAIL_UNAVAILABLE',
          rule: 'R8',
          message:
            'hank.scorpio@globex.com cannot be used by your organization: it is in use outside it, or its domain belongs to another organization.',
        },
      ]);
    });

    it('refuses status changes that are not transitions, and deactivating unmanaged accounts', async () => {
      expect(await refused('restoreAccount', 'id: $id', { id: demo.acme.accounts.bob })).toMatchObject([
        { code: 'INVALID_STATUS_TRANSITION' },
      ]);
      expect(await refused('deactivateAccount', 'id: $id', { id: demo.acme.accounts.bob })).toMatchObject([
        { code: 'ACCOUNT_NOT_MANAGED' },
      ]);
    });

    it('refuses to dismiss a conflict that is not open', async () => {
      await call('dismissConflict', 'id: $id, reason: "Known contractor"', {
        id: demo.acme.conflicts.unmanagedAliceSmith,
      });
      expect(
        await refused('dismissConflict', 'id: $id, reason: "Again"', { id: demo.acme.conflicts.unmanagedAliceSmith }),
      ).toMatchObject([{ code: 'CONFLICT_NOT_OPEN' }]);
    });
  });

  describe('expectedVersion', () => {
    it('refuses a stale version with VERSION_CONFLICT and applies with the current one', async () => {
      const [{ version }] = await db.dataSource.query<Array<{ version: number }>>(
        `SELECT version FROM account WHERE id = $1`,
        [demo.acme.accounts.erin],
      );
      const stale = await call('suspendAccount', `id: $id, reason: "Left", expectedVersion: ${version + 1}`, {
        id: demo.acme.accounts.erin,
      });
      expect(stale.userErrors).toMatchObject([{ code: 'VERSION_CONFLICT', field: 'expectedVersion' }]);
      const fresh = await call(
        'suspendAccount',
        `id: $id, reason: "Left", expectedVersion: ${version}`,
        { id: demo.acme.accounts.erin },
        'account { version status }',
      );
      expect(fresh).toMatchObject({ userErrors: [], account: { version: version + 1, status: 'SUSPENDED' } });
    });
  });

  describe('idempotency keys', () => {
    it('replays the first result for a repeat, applying once', async () => {
      const args = 'accountId: $id, newEmail: "robert@acme.com", idempotencyKey: $key';
      const first = await call(
        'renameAccountEmail',
        args,
        { id: demo.acme.accounts.bob, key: 'rename-bob-1' },
        'account { email version }',
      );
      const repeat = await call(
        'renameAccountEmail',
        args,
        { id: demo.acme.accounts.bob, key: 'rename-bob-1' },
        'account { email version }',
      );
      expect(first).toMatchObject({ replayed: false, userErrors: [], account: { email: 'robert@acme.com' } });
      expect(repeat).toEqual({ ...first, replayed: true });
      const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int FROM account_email_change WHERE account_id = $1`,
        [demo.acme.accounts.bob],
      );
      expect(count).toBe(1);
    });

    it('refuses the same key with other arguments', async () => {
      const payload = await call(
        'renameAccountEmail',
        'accountId: $id, newEmail: "bobby@acme.com", idempotencyKey: $key',
        {
          id: demo.acme.accounts.bob,
          key: 'rename-bob-1',
        },
      );
      expect(payload.userErrors).toMatchObject([{ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' }]);
    });

    it('forgets keys past their time to live', async () => {
      await db.dataSource.query(
        `INSERT INTO idempotency_key (organization_id, key, operation, request_hash, created_at) VALUES ($1, 'old', 'x', 'h', now() - interval '25 hours'), ($1, 'new', 'x', 'h', now())`,
        [demo.acme.organizationId],
      );
      await expireIdempotencyKeys(db.dataSource, 24);
      const keys = (
        await db.dataSource.query<Array<{ key: string }>>(`SELECT key FROM idempotency_key WHERE key IN ('old', 'new')`)
      ).map((row) => row.key);
      expect(keys).toEqual(['new']);
    });

    it('refuses an empty or overlong key', async () => {
      for (const key of ['', 'k'.repeat(201)]) {
        const payload = await call('claimAccount', 'accountId: $id, idempotencyKey: $key', {
          id: demo.acme.accounts.bob,
          key,
        });
        expect(payload.userErrors).toMatchObject([{ code: 'INVALID_INPUT', field: 'idempotencyKey' }]);
      }
    });
  });

  describe('bad input: a clear userError, never a 500, nothing written', () => {
    const nothingWritten = async (field: string, args: string, variables: Record<string, unknown>) => {
      const before = await tableContents(db.dataSource);
      const payload = await call(field, args, variables);
      expect(await tableContents(db.dataSource)).toEqual(before);
      return payload.userErrors.map((error) => error.code);
    };

    it.each([
      [''],
      ['no-at-sign'],
      ['two@@ats.com'],
      ['a b@acme.com'],
      ['.dot@acme.com'],
      ['alice@localhost'],
      ['alice@acme'],
      [`${'x'.repeat(300)}@acme.com`],
      [`alice@${'a'.repeat(70)}.com`],
      ['alice@acme..com'],
    ])('renameAccountEmail to %j is INVALID_EMAIL', async (email) => {
      expect(
        await nothingWritten('renameAccountEmail', 'accountId: $id, newEmail: $email', {
          id: demo.acme.accounts.dave,
          email,
        }),
      ).toEqual(['INVALID_EMAIL']);
    });

    it.each([
      ['', 'INVALID_DOMAIN'],
      ['*.acme.com', 'INVALID_DOMAIN'],
      ['10.0.0.1', 'INVALID_DOMAIN'],
      ['[::1]', 'INVALID_DOMAIN'],
      ['localhost', 'INVALID_DOMAIN'],
      ['co.uk', 'PUBLIC_SUFFIX'],
      ['com', 'PUBLIC_SUFFIX'],
      ['аcme.com', 'INVALID_DOMAIN'], // Cyrillic "а": a look-alike of acme.com
      [`${'a'.repeat(64)}.com`, 'INVALID_DOMAIN'],
      ['ACME.COM.', 'DOMAIN_EXISTS'],
    ])('addDomain %j is %s', async (name, code) => {
      expect(await nothingWritten('addDomain', 'name: $name', { name })).toEqual([code]);
    });

    it("answers unknown ids, malformed ids and other organizations' ids with NOT_FOUND", async () => {
      const ids = [randomUUID(), 'not-an-id', demo.globex.accountIds[0]];
      for (const id of ids) {
        expect(await nothingWritten('renameAccountEmail', 'accountId: $id', { id })).toEqual(['NOT_FOUND']);
        expect(await nothingWritten('claimAccount', 'accountId: $id', { id })).toEqual(['NOT_FOUND']);
        expect(await nothingWritten('suspendAccount', 'id: $id, reason: "x"', { id })).toEqual(['NOT_FOUND']);
        expect(await nothingWritten('resyncScimRecord', 'id: $id', { id })).toEqual(['NOT_FOUND']);
        expect(await nothingWritten('deleteScimRecord', 'id: $id', { id })).toEqual(['NOT_FOUND']);
        expect(await nothingWritten('dismissConflict', 'id: $id, reason: "x"', { id })).toEqual(['NOT_FOUND']);
        expect(await nothingWritten('verifyDomain', 'id: $id', { id })).toEqual(['NOT_FOUND']);
        expect(
          await nothingWritten(
            'updateDirectoryMapping',
            'directoryId: $id, ssoEmailAttribute: "a", scimEmailAttribute: "a"',
            { id },
          ),
        ).toEqual(['NOT_FOUND']);
      }
      expect(
        await nothingWritten('detectConflicts', 'organizationId: $id', { id: demo.globex.organizationId }),
      ).toEqual(['NOT_FOUND']);
      expect(
        await nothingWritten('linkScimRecord', 'id: $id, accountId: $other', {
          id: demo.acme.records.carol,
          other: demo.globex.accountIds[0],
        }),
      ).toEqual(['NOT_FOUND']);
    });

    it('refuses empty and overlong reasons and attribute names', async () => {
      expect(
        await nothingWritten('suspendAccount', 'id: $id, reason: $reason', {
          id: demo.acme.accounts.dave,
          reason: '   ',
        }),
      ).toEqual(['INVALID_INPUT']);
      expect(
        await nothingWritten('suspendAccount', 'id: $id, reason: $reason', {
          id: demo.acme.accounts.dave,
          reason: 'r'.repeat(501),
        }),
      ).toEqual(['INVALID_INPUT']);
      expect(
        await nothingWritten('dismissConflict', 'id: $id, reason: $reason', {
          id: demo.acme.conflicts.unmanagedBob,
          reason: '',
        }),
      ).toEqual(['INVALID_INPUT']);
      expect(
        await nothingWritten(
          'updateDirectoryMapping',
          'directoryId: $id, ssoEmailAttribute: "user mail; DROP TABLE", scimEmailAttribute: "user.mail"',
          {
            id: demo.acme.directories.entra,
          },
        ),
      ).toEqual(['INVALID_ATTRIBUTE']);
      expect(await nothingWritten('claimAccounts', 'ids: $ids', { ids: [] })).toEqual(['INVALID_INPUT']);
    });
  });

  describe('scopes', () => {
    it('needs governance:write for account mutations and governance:admin for domains and directories', async () => {
      const reader = await app.token(demo.acme.organizationId, ['governance:read']);
      const writer = await app.token(demo.acme.organizationId, ['governance:read', 'governance:write']);
      const rename = await app.gql(
        `mutation($id: ID!) { renameAccountEmail(accountId: $id) { userErrors { code } } }`,
        { id: demo.acme.accounts.bob },
        { token: reader },
      );
      expect(rename.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'governance:write' });
      const domain = await app.gql(`mutation { addDomain(name: "x.example") { userErrors { code } } }`, undefined, {
        token: writer,
      });
      expect(domain.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'governance:admin' });
    });
  });
});
