import { Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { present } from '../../common';
import type { Context } from '../../context';
import { Account } from '../../accounts';
import { Directory } from '../../directories';
import { ScimGroup, ScimRecord } from '../../scim';

@Resolver(() => ScimGroup)
export class ScimGroupResolver {
  @FieldResolver(() => Directory, { description: 'The directory (IdP connection) that pushes this group.' })
  async directory(@Root() group: ScimGroup, @Ctx() ctx: Context): Promise<Directory> {
    return present(await ctx.loaders.directories.byId.load(group.directoryId), "the group's directory");
  }

  @FieldResolver(() => Int, { description: 'How many SCIM records (users) are members.' })
  memberCount(@Root() group: ScimGroup, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.scimGroups.memberCount.load(group.id);
  }
}

/** Account.groups lives with the groups feature, so accounts need not know about SCIM groups. */
@Resolver(() => Account)
export class AccountScimGroupsResolver {
  @FieldResolver(() => [ScimGroup], { description: "SCIM groups the account's records are members of, by name." })
  groups(@Root() account: Account, @Ctx() ctx: Context): Promise<ScimGroup[]> {
    return ctx.loaders.scimGroups.byAccount.load(account.id);
  }
}

@Resolver(() => ScimRecord)
export class ScimRecordGroupsResolver {
  @FieldResolver(() => [ScimGroup], { description: 'SCIM groups this record is a member of, by name.' })
  groups(@Root() record: ScimRecord, @Ctx() ctx: Context): Promise<ScimGroup[]> {
    return ctx.loaders.scimGroups.byRecord.load(record.id);
  }
}
