import { Ctx, Query, Resolver } from 'type-graphql';
import { RequireScope, Scope } from '../../auth';
import type { Context } from '../../context';
import { Organization } from '../../organizations';

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => Organization, { nullable: true, description: "The caller's organization (from the token's org claim)." })
  @RequireScope(Scope.READ)
  organization(@Ctx() ctx: Context): Promise<Organization | null> {
    return ctx.services.organizations.byId(ctx.organizationId);
  }
}
