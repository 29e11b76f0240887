import type { DataSource, EntityManager } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { Domain } from '../domains/domain.entity';
import { DomainStatus, DomainVerificationMethod } from '../domains/domain.enums';
import { newVerificationToken } from '../domains/domain-verification';
import { Account } from '../accounts/account.entity';
import { AccountOrigin, AccountStatus } from '../accounts/account.enums';
import { AccountEmailChange } from '../accounts/account-email-change.entity';
import { Directory } from '../directories/directory.entity';
import { IdentityProvider } from '../directories/directory.enums';
import { newDirectoryToken } from '../directories/directory-token';
import { ScimRecord } from '../scim/scim-record.entity';
import { ScimPush } from '../scim/scim-push.entity';
import { PushOutcome, ScimOperation, SyncStatus } from '../scim/scim-record.enums';
import { Conflict } from '../conflicts/conflict.entity';
import { ConflictKind } from '../conflicts/conflict.enums';

/** What the demo created, by role in the stories, so tests and the CLI can point at it. */
export interface DemoData {
  acme: {
    organizationId: string;
    domains: { acme: string; legacy: string; dev: string };
    directories: { okta: string; entra: string };
    directoryTokens: { okta: string; entra: string };
    accounts: { alice: string; aliceSmith: string; bob: string; graceLee: string; graceLegacy: string; carol: string; dave: string; erin: string };
    records: { alice: string; graceOkta: string; graceEntraStuck: string; carol: string };
    conflicts: { emailTaken: string; mappingMismatch: string; unmanagedBob: string; unmanagedAliceSmith: string; stuckEmailTaken: string; duplicateGrace: string };
  };
  globex: { organizationId: string; directoryId: string; directoryToken: string; accountIds: string[] };
}

const PEOPLE = [
  'aaron.baker', 'beatriz.costa', 'chen.wei', 'dmitri.ivanov', 'elena.garcia', 'farah.khan', 'gustavo.silva', 'hana.sato',
  'ivan.petrov', 'julia.nowak', 'kwame.mensah', 'lina.haddad', 'marco.rossi', 'nadia.popescu', 'oscar.lindqvist', 'priya.patel',
  'quentin.moreau', 'rosa.martinez', 'sven.olsen', 'tariq.aziz', 'uma.reddy', 'victor.hugo', 'wen.li', 'ximena.torres',
  'yusuf.demir', 'zoe.clark', 'noah.fischer', 'mia.schmidt', 'leo.dubois', 'ava.johnson',
];

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);
const displayNameOf = (local: string) =>
  local
    .split('.')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join(' ');

export const DEMO_SLUGS = ['acme', 'globex'];

/** True when the demo organizations are already there. */
export async function demoExists(db: DataSource): Promise<boolean> {
  return (await db.getRepository(Organization).countBy(DEMO_SLUGS.map((slug) => ({ slug })))) > 0;
}

export async function removeDemo(db: DataSource): Promise<void> {
  await db.query('DELETE FROM organization WHERE slug = ANY($1)', [DEMO_SLUGS]);
}

/**
 * A realistic organization holding every story of the design in its starting state: the
 * article's EMAIL_TAKEN case, a directory whose SSO and SCIM mappings disagree, an unmanaged
 * account on a verified domain, a half-ready domain migration, and a record stuck FAILED.
 * A second, small organization exists so tenant isolation has something to isolate.
 */
export function seedDemo(db: DataSource): Promise<DemoData> {
  return db.transaction(async (tx) => ({ acme: await seedAcme(tx), globex: await seedGlobex(tx) }));
}

async function seedAcme(tx: EntityManager): Promise<DemoData['acme']> {
  const org = await tx.save(tx.create(Organization, { name: 'Acme Corporation', slug: 'acme' }));
  const organizationId = org.id;

  const domain = (name: string, fields: Partial<Domain>) =>
    tx.save(tx.create(Domain, { organizationId, name, verificationToken: newVerificationToken(), ...fields }));
  const acmeDomain = await domain('acme.com', { status: DomainStatus.VERIFIED, verifiedAt: minutesAgo(60 * 24 * 90), claimedAt: minutesAgo(60 * 24 * 89) });
  // Half of a migration acme-legacy.com -> acme.com: verified, but not claimed yet (rule R4 says not ready).
  const legacyDomain = await domain('acme-legacy.com', { status: DomainStatus.VERIFIED, verifiedAt: minutesAgo(60 * 24 * 10) });
  const devDomain = await domain('acme.dev', { verificationMethod: DomainVerificationMethod.HTTPS_FILE });

  const oktaToken = newDirectoryToken();
  const entraToken = newDirectoryToken();
  const okta = await tx.save(
    tx.create(Directory, {
      organizationId, name: 'Okta', provider: IdentityProvider.OKTA,
      ssoEmailAttribute: 'user.email', scimEmailAttribute: 'user.email',
      tokenHash: oktaToken.hash, tokenIssuedAt: minutesAgo(60 * 24 * 80),
    }),
  );
  // The article's second cause: SSO sends user.mail, SCIM sends user.userprincipalname.
  const entra = await tx.save(
    tx.create(Directory, {
      organizationId, name: 'Microsoft Entra ID', provider: IdentityProvider.ENTRA_ID,
      ssoEmailAttribute: 'user.mail', scimEmailAttribute: 'user.userprincipalname',
      tokenHash: entraToken.hash, tokenIssuedAt: minutesAgo(60 * 24 * 20),
    }),
  );

  const account = (email: string, origin: AccountOrigin, fields: Partial<Account> = {}) =>
    tx.save(
      tx.create(Account, {
        organizationId, email, emailDomain: email.split('@')[1].toLowerCase(), origin,
        displayName: displayNameOf(email.split('@')[0]), managed: false, ...fields,
      }),
    );
  const managedNow = { managed: true, claimedAt: minutesAgo(60 * 24 * 89) };

  const alice = await account('alice@acme.com', AccountOrigin.SCIM, { ...managedNow, displayName: 'Alice Smith' });
  const aliceSmith = await account('alice.smith@acme.com', AccountOrigin.SELF_SIGNUP, { displayName: 'Alice Smith', createdAt: minutesAgo(60 * 24 * 200) });
  const bob = await account('bob@acme.com', AccountOrigin.SELF_SIGNUP, { displayName: 'Bob Martin' });
  const graceLee = await account('grace.lee@acme.com', AccountOrigin.SCIM, managedNow);
  const graceLegacy = await account('grace@acme-legacy.com', AccountOrigin.SCIM, { displayName: 'Grace Lee' });
  const carol = await account('carol@acme-legacy.com', AccountOrigin.SCIM);
  const dave = await account('dave@acme-legacy.com', AccountOrigin.INVITATION);
  const erin = await account('erin@acme-legacy.com', AccountOrigin.SELF_SIGNUP);
  const henry = await account('henry@acme.com', AccountOrigin.INVITATION, managedNow);
  await account('ines@acme.com', AccountOrigin.INVITATION, { ...managedNow, status: AccountStatus.SUSPENDED, statusReason: 'Left the company' });
  await tx.save(
    tx.create(AccountEmailChange, {
      organizationId, accountId: henry.id, previousEmail: 'hank@acme.com', newEmail: 'henry@acme.com',
      action: 'renameAccountEmail', actor: 'admin@acme.com', changedAt: minutesAgo(60 * 24 * 30),
    }),
  );

  const record = (directory: Directory, linked: Account | null, fields: Partial<ScimRecord> & { userName: string; email: string }) => {
    const [givenName, familyName] = displayNameOf(fields.userName.split('@')[0]).split(' ');
    const emails = [{ value: fields.email, type: 'work', primary: true }];
    const rawPayload = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      externalId: fields.externalId, userName: fields.userName, name: { givenName, familyName }, emails, active: true,
    };
    return tx.save(
      tx.create(ScimRecord, {
        organizationId, directoryId: directory.id, accountId: linked?.id ?? null, givenName, familyName: familyName ?? null,
        displayName: linked?.displayName ?? null, emails, rawPayload, syncStatus: SyncStatus.SYNCED, lastSyncedAt: minutesAgo(30), ...fields,
      }),
    );
  };

  // Story 1: the IdP renamed alice@ to alice.smith@, which a self-signed-up account owns.
  const aliceEmailTaken = 'Resource [USER]: with email[alice.smith@acme.com] already exists.';
  const aliceRecord = await record(okta, alice, {
    externalId: '00u1alice', userName: 'alice@acme.com', email: 'alice.smith@acme.com',
    syncStatus: SyncStatus.FAILED, lastError: aliceEmailTaken, attempts: 1, nextRetryAt: minutesFromNow(2), lastSyncedAt: minutesAgo(60 * 24),
  });
  const graceOkta = await record(okta, graceLee, { externalId: '00u1grace', userName: 'grace.lee@acme.com', email: 'grace.lee@acme.com' });
  const carolRecord = await record(entra, carol, { externalId: 'e1-carol', userName: 'carol@acme-legacy.com', email: 'carol@acme-legacy.com' });
  // Story 5: Entra's record for Grace points at her old account and keeps failing.
  const graceStuckError = 'Resource [USER]: with email[grace.lee@acme.com] already exists.';
  const graceStuck = await record(entra, graceLegacy, {
    externalId: 'e1-grace', userName: 'grace.lee@acme.com', email: 'grace.lee@acme.com',
    syncStatus: SyncStatus.FAILED, lastError: graceStuckError, attempts: 6, nextRetryAt: minutesFromNow(64), lastSyncedAt: minutesAgo(60 * 24 * 12),
  });

  for (const [i, local] of PEOPLE.entries()) {
    const person = await account(`${local}@acme.com`, AccountOrigin.SCIM, managedNow);
    await record(okta, person, { externalId: `00u2${String(i).padStart(4, '0')}`, userName: person.email, email: person.email });
  }

  const push = (scimRecord: ScimRecord, operation: ScimOperation, outcome: PushOutcome, httpStatus: number, minutes: number, detail: string | null = null) =>
    tx.save(
      tx.create(ScimPush, {
        organizationId, directoryId: scimRecord.directoryId, scimRecordId: scimRecord.id, operation, outcome, httpStatus, detail,
        payload: scimRecord.rawPayload, actor: `scim:${scimRecord.directoryId}`, receivedAt: minutesAgo(minutes),
      }),
    );
  await push(aliceRecord, ScimOperation.CREATE, PushOutcome.APPLIED, 201, 60 * 24 * 60);
  await push(aliceRecord, ScimOperation.REPLACE, PushOutcome.CONFLICT, 409, 3, aliceEmailTaken);
  await push(graceStuck, ScimOperation.CREATE, PushOutcome.APPLIED, 201, 60 * 24 * 15);
  for (let attempt = 0; attempt < 6; attempt++) await push(graceStuck, ScimOperation.REPLACE, PushOutcome.CONFLICT, 409, 60 * (6 - attempt), graceStuckError);

  const conflict = (fields: Partial<Conflict> & { kind: ConflictKind; causeKey: string; summary: string }) =>
    tx.save(tx.create(Conflict, { organizationId, detectedAt: minutesAgo(3), ...fields }));
  const emailTaken = await conflict({
    kind: ConflictKind.EMAIL_TAKEN, causeKey: `record:${aliceRecord.id}`, email: 'alice.smith@acme.com',
    accountId: alice.id, conflictingAccountId: aliceSmith.id, scimRecordId: aliceRecord.id, directoryId: okta.id, domainId: acmeDomain.id,
    summary: 'Okta wants alice@acme.com renamed to alice.smith@acme.com, which a self-signed-up account already owns.',
  });
  const mappingMismatch = await conflict({
    kind: ConflictKind.MAPPING_MISMATCH, causeKey: `directory:${entra.id}`, directoryId: entra.id, detectedAt: minutesAgo(60 * 24 * 20),
    summary: 'Microsoft Entra ID maps the SSO email to user.mail but the SCIM email to user.userprincipalname.',
  });
  const unmanagedBob = await conflict({
    kind: ConflictKind.UNMANAGED_ACCOUNT, causeKey: `account:${bob.id}`, accountId: bob.id, domainId: acmeDomain.id, email: bob.email,
    detectedAt: minutesAgo(60 * 24 * 5), summary: 'bob@acme.com is on the verified domain acme.com but not claimed; the IdP cannot manage it.',
  });
  const unmanagedAliceSmith = await conflict({
    kind: ConflictKind.UNMANAGED_ACCOUNT, causeKey: `account:${aliceSmith.id}`, accountId: aliceSmith.id, domainId: acmeDomain.id,
    email: aliceSmith.email, detectedAt: minutesAgo(60 * 24 * 5),
    summary: 'alice.smith@acme.com is on the verified domain acme.com but not claimed; the IdP cannot manage it.',
  });
  const stuckEmailTaken = await conflict({
    kind: ConflictKind.EMAIL_TAKEN, causeKey: `record:${graceStuck.id}`, email: 'grace.lee@acme.com', accountId: graceLegacy.id,
    conflictingAccountId: graceLee.id, scimRecordId: graceStuck.id, directoryId: entra.id, domainId: acmeDomain.id,
    detectedAt: minutesAgo(60 * 6),
    summary: 'Microsoft Entra ID wants grace@acme-legacy.com renamed to grace.lee@acme.com, which Okta already provisions.',
  });
  const duplicateGrace = await conflict({
    kind: ConflictKind.DUPLICATE_ACCOUNTS, causeKey: 'email:grace.lee@acme.com', email: 'grace.lee@acme.com', accountId: graceLegacy.id,
    conflictingAccountId: graceLee.id, scimRecordId: graceStuck.id, detectedAt: minutesAgo(60 * 6),
    summary: 'grace.lee@acme.com is pushed by two directories (Okta and Microsoft Entra ID) onto two different accounts.',
  });

  return {
    organizationId,
    domains: { acme: acmeDomain.id, legacy: legacyDomain.id, dev: devDomain.id },
    directories: { okta: okta.id, entra: entra.id },
    directoryTokens: { okta: oktaToken.token, entra: entraToken.token },
    accounts: {
      alice: alice.id, aliceSmith: aliceSmith.id, bob: bob.id, graceLee: graceLee.id, graceLegacy: graceLegacy.id,
      carol: carol.id, dave: dave.id, erin: erin.id,
    },
    records: { alice: aliceRecord.id, graceOkta: graceOkta.id, graceEntraStuck: graceStuck.id, carol: carolRecord.id },
    conflicts: {
      emailTaken: emailTaken.id, mappingMismatch: mappingMismatch.id, unmanagedBob: unmanagedBob.id,
      unmanagedAliceSmith: unmanagedAliceSmith.id, stuckEmailTaken: stuckEmailTaken.id, duplicateGrace: duplicateGrace.id,
    },
  };
}

async function seedGlobex(tx: EntityManager): Promise<DemoData['globex']> {
  const org = await tx.save(tx.create(Organization, { name: 'Globex', slug: 'globex' }));
  const organizationId = org.id;
  await tx.save(
    tx.create(Domain, {
      organizationId, name: 'globex.com', status: DomainStatus.VERIFIED, verificationToken: newVerificationToken(),
      verifiedAt: minutesAgo(60 * 24 * 40), claimedAt: minutesAgo(60 * 24 * 40),
    }),
  );
  const token = newDirectoryToken();
  const directory = await tx.save(
    tx.create(Directory, {
      organizationId, name: 'Google Workspace', provider: IdentityProvider.GOOGLE,
      ssoEmailAttribute: 'primaryEmail', scimEmailAttribute: 'primaryEmail', tokenHash: token.hash, tokenIssuedAt: minutesAgo(60),
    }),
  );
  const accountIds: string[] = [];
  for (const local of ['hank.scorpio', 'frank.grimes', 'mindy.simmons']) {
    const email = `${local}@globex.com`;
    const account = await tx.save(
      tx.create(Account, {
        organizationId, email, emailDomain: 'globex.com', origin: AccountOrigin.SCIM, displayName: displayNameOf(local),
        managed: true, claimedAt: minutesAgo(60 * 24 * 40),
      }),
    );
    accountIds.push(account.id);
    await tx.save(
      tx.create(ScimRecord, {
        organizationId, directoryId: directory.id, accountId: account.id, externalId: `g-${local}`, userName: email, email,
        emails: [{ value: email, primary: true }], rawPayload: { userName: email }, syncStatus: SyncStatus.SYNCED, lastSyncedAt: minutesAgo(10),
      }),
    );
  }
  return { organizationId, directoryId: directory.id, directoryToken: token.token, accountIds };
}
