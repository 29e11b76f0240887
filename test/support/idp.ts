import type { DataSource } from 'typeorm';
import type { MutationScope } from '../../src/db/transaction';
import { Directory } from '../../src/directories/directory.entity';
import { lockUser } from '../../src/scim/scim-record.service';
import { present } from '../../src/common/present';
import { ScimOperation } from '../../src/scim/scim-record.enums';
import { provisionUser, updateUser, type PushResult } from '../../src/workflows/provisioning';
import type { DesiredUser } from '../../src/scim/desired-user';
import { inScimTransaction } from '../../src/scim-api/scim-call';
import { desiredUserFrom } from '../../src/scim-api/user-representation';
import { SCHEMA } from '../../src/scim/schema-urns';

export interface UserPush {
  externalId?: string;
  userName: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  active?: boolean;
}

/** The SCIM body an IdP would send, read by the same parser as the HTTP endpoint. */
function desiredUser(push: UserPush): DesiredUser {
  return desiredUserFrom({
    schemas: [SCHEMA.user],
    externalId: push.externalId,
    userName: push.userName,
    name: { givenName: push.givenName, familyName: push.familyName },
    emails: [{ value: push.email ?? push.userName, type: 'work', primary: true }],
    active: push.active ?? true,
  });
}

/**
 * Plays an identity provider through the provisioning service, as the SCIM endpoint does: each
 * push is one transaction with the directory as the actor.
 */
export function identityProvider(db: DataSource, organizationId: string, directoryId: string) {
  const push = async (
    action: string,
    fn: (m: MutationScope, directory: Directory) => Promise<PushResult>,
  ): Promise<PushResult> => {
    const directory = await db.getRepository(Directory).findOneBy({ id: directoryId, organizationId });
    if (!directory) throw new Error(`no directory ${directoryId} in organization ${organizationId}`);
    return inScimTransaction(db, { directory, requestId: null }, action, (m) => fn(m, directory));
  };
  return {
    create: (user: UserPush) =>
      push('scim.createUser', (m, directory) => provisionUser(m, directory, desiredUser(user))),
    replace: (recordId: string, user: UserPush) =>
      push('scim.replaceUser', async (m, directory) => {
        const record = present(await lockUser(m, directory, recordId), `the SCIM record ${recordId}`);
        return updateUser(m, directory, record, desiredUser(user), ScimOperation.REPLACE);
      }),
  };
}
