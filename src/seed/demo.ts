import type { DataSource } from 'typeorm';
import { present } from '../common';
import { OrganizationStore } from '../organizations';
import { DomainStore, type Domain, DomainStatus, DomainVerificationMethod, newVerificationToken } from '../domains';
import { AccountStore, type Account, AccountOrigin, AccountStatus } from '../accounts';
import { IdentityProvider, type Directory } from '../directories';
import {
  directoryMutations,
  provisionUser,
  resyncRecord,
  updateUser,
  type PushResult,
  RETRY_ACTOR,
  startDomainMigration,
} from '../workflows';
import { ScimRecord, ScimOperation, type DesiredUser, lockUser, SCHEMA } from '../scim';
import { ConflictKind, ConflictService, ConflictStatus, conflictMutations, type Conflict } from '../conflicts';
import { runMutation, type MutationScope, queryBuilderFor, type Db } from '../db';
import { inScimTransaction, desiredUserFrom } from '../scim-api';

/** What the demo created, by role in the stories, so tests and the CLI can point at it. */
export interface DemoData {
  acme: {
    organizationId: string;
    domains: { acme: string; legacy: string; dev: string; formerBrand: string };
    /** acmecorp.com -> acme.com, IN_PROGRESS and not ready to complete: frank is still on acmecorp.com. */
    migration: string;
    directories: { okta: string; entra: string };
    directoryTokens: { okta: string; entra: string };
    accounts: {
      alice: string;
      aliceSmith: string;
      bob: string;
      graceLee: string;
      graceLegacy: string;
      carol: string;
      dave: string;
      erin: string;
      frank: string;
      /** External (northwind-agency.com is none of acme's domains), no IdP backs it: STALE_EXTERNAL_ACCOUNT (rule R5). */
      pat: string;
    };
    records: { alice: string; graceOkta: string; graceEntraStuck: string; carol: string; contractor: string };
    conflicts: {
      emailTaken: string;
      mappingMismatch: string;
      unmanagedBob: string;
      unmanagedAliceSmith: string;
      stuckEmailTaken: string;
      duplicateGrace: string;
    };
  };
  globex: { organizationId: string; directoryId: string; directoryToken: string; accountIds: string[] };
}

const PEOPLE = [
  'aaron.baker',
  'beatriz.costa',
  'chen.wei',
  'dmitri.ivanov',
  'elena.garcia',
  'farah.khan',
  'gustavo.silva',
  'hana.sato',
  'ivan.petrov',
  'julia.nowak',
  'kwame.mensah',
  'lina.haddad',
  'marco.rossi',
  'nadia.popescu',
  'oscar.lindqvist',
  'priya.patel',
  'quentin.moreau',
  'rosa.martinez',
  'sven.olsen',
  'tariq.aziz',
  'uma.reddy',
  'victor.hugo',
  'wen.li',
  'ximena.torres',
  'yusuf.demir',
  'zoe.clark',
  'noah.fischer',
  'mia.schmidt',
  'leo.dubois',
  'ava.johnson',
];

const DEMO_SLUGS = ['acme', 'globex'];
const ADMIN = 'admin@acme.com';
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

/** True when the demo organizations are already there. */
export async function demoExists(db: DataSource): Promise<boolean> {
  return (await new OrganizationStore(queryBuilderFor(db)).bySlugs(DEMO_SLUGS)).length > 0;
}

export async function removeDemo(db: DataSource): Promise<void> {
  await new OrganizationStore(queryBuilderFor(db)).deleteBySlugs(DEMO_SLUGS);
}

/** What an IdP pushes for a person, read by the same parser as the SCIM endpoint. */
function user(userName: string, options: { externalId: string; email?: string; active?: boolean }): DesiredUser {
  const [givenName, familyName] = userName
    .split('@')[0]
    .split('.')
    .map((part) => part[0].toUpperCase() + part.slice(1));
  return desiredUserFrom({
    schemas: [SCHEMA.user],
    externalId: options.externalId,
    userName,
    name: { givenName, familyName },
    emails: [{ value: options.email ?? userName, type: 'work', primary: true }],
    active: options.active ?? true,
  });
}

/**
 * A realistic organization holding every story of the design in its starting state, produced
 * the way production produces it: accounts that predate the IdP, then the IdPs' pushes through
 * the provisioning service (so the 409s, FAILED records and conflicts are the real ones), then
 * an organization-wide rescan. A second, small organization exists for tenant isolation.
 */
export async function seedDemo(db: DataSource): Promise<DemoData> {
  const acme = await db.transaction((tx) => acmeBeforeProvisioning(queryBuilderFor(tx)));
  const admin = (action: string, fn: (m: MutationScope) => Promise<unknown>, actor = ADMIN) =>
    runMutation(
      db,
      { organizationId: acme.organizationId, actor, requestId: 'seed' },
      { action, args: {} },
      {},
      async (m) => {
        await fn(m);
        return { userErrors: [] };
      },
    );

  const directoryTokens = { okta: '', entra: '' };
  const directories = { okta: '', entra: '' };
  // The directories as created: the pushes below are made as each one.
  const created = new Map<string, Directory>();
  await admin('createDirectory', async (m) => {
    const okta = await directoryMutations.create(m, {
      name: 'Okta',
      provider: IdentityProvider.OKTA,
      ssoEmailAttribute: 'user.email',
      scimEmailAttribute: 'user.email',
    });
    if (okta.kind !== 'changed') throw new Error('seed: Okta directory refused');
    [directories.okta, directoryTokens.okta] = [okta.directory.id, present(okta.token, 'seed: the Okta token')];
    created.set(okta.directory.id, okta.directory);
  });
  // The article's second cause: SSO sends user.mail, SCIM sends user.userprincipalname.
  await admin('createDirectory', async (m) => {
    const entra = await directoryMutations.create(m, {
      name: 'Microsoft Entra ID',
      provider: IdentityProvider.ENTRA_ID,
      ssoEmailAttribute: 'user.mail',
      scimEmailAttribute: 'user.userprincipalname',
    });
    if (entra.kind !== 'changed') throw new Error('seed: Entra directory refused');
    [directories.entra, directoryTokens.entra] = [entra.directory.id, present(entra.token, 'seed: the Entra token')];
    created.set(entra.directory.id, entra.directory);
  });

  const push = async (directoryId: string, fn: (m: MutationScope, directory: Directory) => Promise<PushResult>) => {
    const directory = present(created.get(directoryId), 'seed: a directory it created');
    const result = await inScimTransaction(db, { directory, requestId: 'seed' }, 'scim.push', (m) => fn(m, directory));
    if (result.kind === 'duplicate') throw new Error(`seed: ${result.detail}`);
    return result.record;
  };
  const create = (directoryId: string, desired: DesiredUser) =>
    push(directoryId, (m, directory) => provisionUser(m, directory, desired));
  const replace = (directoryId: string, record: ScimRecord, desired: DesiredUser) =>
    push(directoryId, async (m, directory) =>
      updateUser(
        m,
        directory,
        present(await lockUser(m, directory, record.id), 'seed: the record to replace'),
        desired,
        ScimOperation.REPLACE,
      ),
    );

  const alice = await create(directories.okta, user('alice@acme.com', { externalId: '00u1alice' }));
  const graceOkta = await create(directories.okta, user('grace.lee@acme.com', { externalId: '00u1grace' }));
  for (const [i, person] of PEOPLE.entries())
    await create(directories.okta, user(`${person}@acme.com`, { externalId: `00u2${String(i).padStart(4, '0')}` }));
  // Accepted, and flagged: acme.dev is not verified yet.
  const contractor = await create(directories.okta, user('contractor@acme.dev', { externalId: '00u3contractor' }));
  const carol = await create(directories.entra, user('carol@acme-legacy.com', { externalId: 'e1-carol' }));
  const graceEntra = await create(directories.entra, user('grace@acme-legacy.com', { externalId: 'e1-grace' }));

  // Story 1: Okta renames alice@ to alice.smith@, which a self-signed-up account owns: 409, FAILED.
  await replace(
    directories.okta,
    alice,
    user('alice@acme.com', { externalId: '00u1alice', email: 'alice.smith@acme.com' }),
  );
  // Story 5: Entra moves Grace to the address Okta already manages, and keeps failing on retry.
  await replace(
    directories.entra,
    graceEntra,
    user('grace@acme-legacy.com', { externalId: 'e1-grace', email: 'grace.lee@acme.com' }),
  );
  for (let retry = 0; retry < 5; retry++) {
    await admin('resyncScimRecord', (m) => resyncRecord(m, { id: graceEntra.id }), RETRY_ACTOR);
  }
  // Story 4, half-way: acmecorp.com -> acme.com started (both verified and claimed, rule R4); frank,
  // whom no IdP backs, is still on the old domain with his STALE_EXTERNAL_ACCOUNT conflict (rule R5).
  let migration = '';
  await admin('startDomainMigration', async (m) => {
    const started = await startDomainMigration(m, { fromDomain: 'acmecorp.com', toDomain: 'acme.com' });
    if (started.kind !== 'started') throw new Error('seed: the acmecorp.com migration refused');
    migration = started.migration.id;
  });
  // The unmanaged accounts and the duplicate person, as a rescan finds them.
  await admin('detectConflicts', (m) => conflictMutations.detect(m));

  const conflicts: Conflict[] = [];
  for (let after: string | null = null; ;) {
    const page = await new ConflictService(db).list(
      acme.organizationId,
      { status: ConflictStatus.OPEN },
      { first: 100, after },
    );
    conflicts.push(...page.nodes);
    if (!page.hasNextPage) break;
    after = present(page.cursors.at(-1), 'seed: the last conflict cursor');
  }
  const conflict = (kind: ConflictKind, accountId?: string, recordId?: string) =>
    present(
      conflicts.find(
        (c) =>
          c.kind === kind && (!accountId || c.accountId === accountId) && (!recordId || c.scimRecordId === recordId),
      ),
      `seed: an open ${kind} conflict`,
    ).id;

  const accounts = {
    ...acme.accounts,
    alice: present(alice.accountId, "seed: alice's account"),
    graceLee: present(graceOkta.accountId, "seed: Grace's Okta account"),
    graceLegacy: present(graceEntra.accountId, "seed: Grace's Entra account"),
    carol: present(carol.accountId, "seed: carol's account"),
  };
  const globex = await seedGlobex(db);
  await assertRuleR8(db, acme.organizationId, acme.directlyInserted);
  return {
    acme: {
      organizationId: acme.organizationId,
      domains: acme.domains,
      migration,
      directories,
      directoryTokens,
      accounts,
      records: {
        alice: alice.id,
        graceOkta: graceOkta.id,
        graceEntraStuck: graceEntra.id,
        carol: carol.id,
        contractor: contractor.id,
      },
      conflicts: {
        emailTaken: conflict(ConflictKind.EMAIL_TAKEN, undefined, alice.id),
        mappingMismatch: conflict(ConflictKind.MAPPING_MISMATCH),
        unmanagedBob: conflict(ConflictKind.UNMANAGED_ACCOUNT, accounts.bob),
        unmanagedAliceSmith: conflict(ConflictKind.UNMANAGED_ACCOUNT, accounts.aliceSmith),
        stuckEmailTaken: conflict(ConflictKind.EMAIL_TAKEN, undefined, graceEntra.id),
        duplicateGrace: conflict(ConflictKind.DUPLICATE_ACCOUNTS),
      },
    },
    globex,
  };
}

/**
 * Rule R8 for what the seed inserts directly (accounts that predate the IdPs; pushes go through
 * provisioning and its checks): no demo account may hold an address on a domain another
 * organization verified.
 */
async function assertRuleR8(db: DataSource, organizationId: string, emails: string[]): Promise<void> {
  const elsewhere = await new DomainStore(queryBuilderFor(db)).verifiedElsewhere(
    organizationId,
    emails.map((email) => email.split('@')[1]),
  );
  const held = emails.filter((email) => elsewhere.has(email.split('@')[1]));
  if (held.length > 0) throw new Error(`seed: ${held.join(', ')} break rule R8`);
}

/** What exists before any IdP connects: the domains, and accounts people made themselves or were invited to. */
async function acmeBeforeProvisioning(db: Db) {
  const org = await new OrganizationStore(db).create({ name: 'Acme Corporation', slug: 'acme' });
  const organizationId = org.id;
  const domains = new DomainStore(db);
  const domain = async (name: string, fields: Partial<Domain>) =>
    present(
      await domains.insert({ organizationId, name, verificationToken: newVerificationToken(), ...fields }),
      `seed: the domain ${name}`,
    );
  const acmeDomain = await domain('acme.com', {
    status: DomainStatus.VERIFIED,
    verifiedAt: daysAgo(90),
    claimedAt: daysAgo(89),
  });
  // Half of a migration acme-legacy.com -> acme.com: verified, not claimed yet (rule R4 says not ready).
  const legacy = await domain('acme-legacy.com', { status: DomainStatus.VERIFIED, verifiedAt: daysAgo(10) });
  const dev = await domain('acme.dev', { verificationMethod: DomainVerificationMethod.HTTPS_FILE });
  // The former brand, verified and claimed: its migration to acme.com is started below, half done.
  const formerBrand = await domain('acmecorp.com', {
    status: DomainStatus.VERIFIED,
    verifiedAt: daysAgo(400),
    claimedAt: daysAgo(400),
  });

  const accounts = new AccountStore(db);
  const directlyInserted: string[] = [];
  const account = (email: string, origin: AccountOrigin, fields: Partial<Account> = {}) => {
    directlyInserted.push(email);
    return accounts.insert({
      organizationId,
      email,
      emailDomain: email.split('@')[1],
      origin,
      managed: false,
      ...fields,
    });
  };
  const aliceSmith = await account('alice.smith@acme.com', AccountOrigin.SELF_SIGNUP, {
    displayName: 'Alice Smith',
    createdAt: daysAgo(200),
  });
  const bob = await account('bob@acme.com', AccountOrigin.SELF_SIGNUP, { displayName: 'Bob Martin' });
  const dave = await account('dave@acme-legacy.com', AccountOrigin.INVITATION, { displayName: 'Dave Okafor' });
  const erin = await account('erin@acme-legacy.com', AccountOrigin.SELF_SIGNUP, { displayName: 'Erin Walsh' });
  const managed = { managed: true, claimedAt: daysAgo(89) };
  // Invited under the former brand long ago; no IdP backs the account.
  const frank = await account('frank@acmecorp.com', AccountOrigin.INVITATION, {
    managed: true,
    claimedAt: daysAgo(400),
    displayName: 'Frank Ito',
  });
  // An agency contractor invited with the agency's address: external (acme has not verified, nor
  // even asserted, northwind-agency.com) and no IdP backs the account: rule R5's review outside migrations.
  const pat = await account('pat@northwind-agency.com', AccountOrigin.INVITATION, { displayName: 'Pat Quinn' });
  const henry = await account('henry@acme.com', AccountOrigin.INVITATION, { ...managed, displayName: 'Henry Adams' });
  await account('ines@acme.com', AccountOrigin.INVITATION, {
    ...managed,
    displayName: 'Ines Duarte',
    status: AccountStatus.SUSPENDED,
    statusReason: 'Left the company',
  });
  await accounts.insertEmailChange({
    organizationId,
    accountId: henry.id,
    previousEmail: 'hank@acme.com',
    newEmail: 'henry@acme.com',
    action: 'renameAccountEmail',
    actor: ADMIN,
    changedAt: daysAgo(30),
  });
  return {
    organizationId,
    domains: { acme: acmeDomain.id, legacy: legacy.id, dev: dev.id, formerBrand: formerBrand.id },
    accounts: { aliceSmith: aliceSmith.id, bob: bob.id, dave: dave.id, erin: erin.id, frank: frank.id, pat: pat.id },
    directlyInserted,
  };
}

async function seedGlobex(db: DataSource): Promise<DemoData['globex']> {
  const organizationId = (await new OrganizationStore(queryBuilderFor(db)).create({ name: 'Globex', slug: 'globex' }))
    .id;
  await new DomainStore(queryBuilderFor(db)).insert({
    organizationId,
    name: 'globex.com',
    status: DomainStatus.VERIFIED,
    verificationToken: newVerificationToken(),
    verifiedAt: daysAgo(40),
    claimedAt: daysAgo(40),
  });
  const caller = (actor: string) => ({ organizationId, actor, requestId: 'seed' });
  const created = await runMutation<{ directory: Directory | null; token: string | null }>(
    db,
    caller('admin@globex.com'),
    { action: 'createDirectory', args: {} },
    { directory: null, token: null },
    async (m) => {
      const outcome = await directoryMutations.create(m, {
        name: 'Google Workspace',
        provider: IdentityProvider.GOOGLE,
        ssoEmailAttribute: 'primaryEmail',
        scimEmailAttribute: 'primaryEmail',
      });
      if (outcome.kind !== 'changed') throw new Error('seed: Globex directory refused');
      return { directory: outcome.directory, token: outcome.token ?? null, userErrors: [] };
    },
  );
  const { directory, token } = created;
  if (directory === null || token === null) throw new Error('seed: Globex directory refused');
  const accountIds: string[] = [];
  for (const person of ['hank.scorpio', 'frank.grimes', 'mindy.simmons']) {
    const pushed = await inScimTransaction(db, { directory, requestId: 'seed' }, 'scim.push', (m) =>
      provisionUser(m, directory, user(`${person}@globex.com`, { externalId: `g-${person}` })),
    );
    if (pushed.kind === 'duplicate') throw new Error('seed: Globex push refused');
    accountIds.push(present(pushed.record.accountId, `seed: ${person}'s account`));
  }
  return { organizationId, directoryId: directory.id, directoryToken: token, accountIds };
}
