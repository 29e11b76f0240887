import type { DataSource } from 'typeorm';
import { runMutation, type MutationScope } from '../../src/db/transaction';
import { Directory } from '../../src/directories/directory.entity';
import { ScimRecord } from '../../src/scim/scim-record.entity';
import { ScimOperation } from '../../src/scim/scim-record.enums';
import { provisionUser, updateUser, type DesiredUser, type PushResult } from '../../src/scim/provisioning';

export interface UserPush {
  externalId?: string;
  userName: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  active?: boolean;
}

export function desiredUser(push: UserPush): DesiredUser {
  const email = push.email ?? push.userName;
  const raw = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    externalId: push.externalId,
    userName: push.userName,
    name: { givenName: push.givenName, familyName: push.familyName },
    emails: [{ value: email, type: 'work', primary: true }],
    active: push.active ?? true,
  };
  return {
    externalId: push.externalId ?? null,
    userName: push.userName,
    emails: [{ value: email, type: 'work', primary: true }],
    givenName: push.givenName ?? null,
    familyName: push.familyName ?? null,
    displayName: null,
    active: push.active ?? true,
    raw,
  };
}

/**
 * Plays an identity provider through the provisioning service, as the SCIM endpoint does: each
 * push is one transaction with the directory as the actor.
 */
export function identityProvider(db: DataSource, organizationId: string, directoryId: string) {
  const caller = { organizationId, actor: `scim:${directoryId}`, requestId: null };
  const push = async (action: string, fn: (m: MutationScope, directory: Directory) => Promise<PushResult>): Promise<PushResult> => {
    const directory = await db.getRepository(Directory).findOneByOrFail({ id: directoryId });
    const payload = await runMutation(db, caller, { action, args: {} }, async (m) => ({ result: await fn(m, directory), userErrors: [] }));
    return payload.result;
  };
  return {
    create: (user: UserPush) => push('scim.createUser', (m, directory) => provisionUser(m, directory, desiredUser(user))),
    replace: (recordId: string, user: UserPush) =>
      push('scim.replaceUser', async (m, directory) => {
        const record = await m.tx.getRepository(ScimRecord).findOneByOrFail({ id: recordId });
        return updateUser(m, directory, record, desiredUser(user), ScimOperation.REPLACE);
      }),
  };
}
