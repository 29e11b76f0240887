import type { DataSource } from 'typeorm';
import type { MutationScope } from '../db';
import {
  GROUP_PATCH_OPTIONS,
  applyPatch,
  ScimError,
  type ScimGroup,
  ScimGroupQueries,
  lockGroup,
  memberIdsOf,
  scimGroupMutations,
  type GroupMemberRef,
  type GroupOutcome,
} from '../scim';
import { desiredGroupFrom, groupResource } from './group-representation';
import type { ResourceService, ResourceWrite } from './resource-service';
import { inScimTransaction, type ScimCall } from './scim-call';
import { ifMatchHolds, notFound, preconditionFailed } from './scim-http';

/**
 * The Groups endpoint's operations, each write one transaction as the IdP. Group changes are
 * audited (they are not user pushes, so they do not enter a record's push history).
 */
export class ScimGroupService implements ResourceService<ScimGroup> {
  readonly reads: ScimGroupQueries;

  constructor(private readonly db: DataSource) {
    this.reads = new ScimGroupQueries(db);
  }

  /** Runs a group write; a ScimError thrown by validation becomes a rejected outcome (nothing written). */
  private write(
    call: ScimCall,
    action: string,
    execute: (m: MutationScope) => Promise<GroupOutcome>,
  ): Promise<GroupOutcome> {
    return inScimTransaction(this.db, call, action, async (m) => {
      try {
        return await execute(m);
      } catch (error) {
        if (error instanceof ScimError) return { kind: 'rejected', error };
        throw error;
      }
    });
  }

  create(call: ScimCall, body: unknown): Promise<GroupOutcome> {
    return this.write(call, 'scim.createGroup', (m) =>
      scimGroupMutations.create(m, call.directory, desiredGroupFrom(body)),
    );
  }

  replace({ call, id, ifMatch }: ResourceWrite, body: unknown): Promise<GroupOutcome> {
    return this.write(call, 'scim.replaceGroup', async (m) => {
      const group = await lockGroup(m, call.directory, id);
      if (!group) throw notFound('Group');
      if (!ifMatchHolds(ifMatch, group.version)) throw preconditionFailed();
      return scimGroupMutations.replace(m, call.directory, group, desiredGroupFrom(body));
    });
  }

  /** Members add/remove (Okta's value filters and Entra's value lists), displayName replace, and the rest of RFC 7644 §3.5.2. */
  patch({ call, id, ifMatch }: ResourceWrite, body: unknown, location: string): Promise<GroupOutcome> {
    return this.write(call, 'scim.patchGroup', async (m) => {
      const group = await lockGroup(m, call.directory, id);
      if (!group) throw notFound('Group');
      if (!ifMatchHolds(ifMatch, group.version)) throw preconditionFailed();
      const current = await memberIdsOf(m, group.id);
      // Members as their ids only: `value` is all a PATCH filter or removal can address.
      const resource = {
        ...groupResource(group, location, null),
        members: current.map((memberId) => ({ value: memberId })),
      };
      const patched = applyPatch(resource, body, GROUP_PATCH_OPTIONS);
      return scimGroupMutations.replace(m, call.directory, group, desiredGroupFrom(patched), current);
    });
  }

  remove({ call, id, ifMatch }: ResourceWrite): Promise<GroupOutcome> {
    return this.write(call, 'scim.deleteGroup', async (m) => {
      const group = await lockGroup(m, call.directory, id);
      if (!group) throw notFound('Group');
      if (!ifMatchHolds(ifMatch, group.version)) throw preconditionFailed();
      return scimGroupMutations.remove(m, group);
    });
  }

  membersOf(groupIds: string[]): Promise<Map<string, GroupMemberRef[]>> {
    return this.reads.membersOf(groupIds);
  }
}
