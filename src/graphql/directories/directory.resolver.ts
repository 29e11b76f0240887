import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { RequireScope, assertScope, Scope } from '../../auth';
import type { Context } from '../../context';
import { Conflict, ConflictStatus } from '../../conflicts';
import { Directory } from '../../directories';
import { R2 } from '../../rules';

@Resolver(() => Directory)
export class DirectoryResolver {
  @Query(() => [Directory], { description: 'Identity-provider connections of the organization, by name.' })
  @RequireScope(Scope.READ)
  directories(@Ctx() ctx: Context): Promise<Directory[]> {
    return ctx.services.directories.list(ctx.organizationId);
  }

  @FieldResolver(() => String, { description: 'Where the IdP sends SCIM requests, relative to this server.' })
  scimBasePath(@Root() directory: Directory): string {
    return `/scim/directory/${directory.id}`;
  }

  @FieldResolver(() => Boolean, { description: 'SSO and SCIM map the email to the same attribute (rule R2).' })
  mappingConsistent(@Root() directory: Directory): boolean {
    return R2.evaluate(directory) === null;
  }

  @FieldResolver(() => [Conflict], { description: 'Conflicts raised through this directory, newest first.' })
  conflicts(
    @Root() directory: Directory,
    @Arg('status', () => ConflictStatus, { nullable: true }) status: ConflictStatus | null,
    @Ctx() ctx: Context,
  ): Promise<Conflict[]> {
    return ctx.loaders.conflicts.byRelated.directory(status ?? undefined).load(directory.id);
  }
}

export const directoryReferenceResolvers = {
  Directory: {
    __resolveReference: (reference: { id: string }, ctx: Context) => {
      assertScope(ctx, Scope.READ);
      return ctx.loaders.directories.byId.load(reference.id);
    },
  },
};
