import { Ctx, Query, Resolver } from 'type-graphql';
import { RequireScope, Scope } from '../../auth';
import type { Context } from '../../context';
import { GovernanceReport, buildGovernanceReport } from '../../rules';

@Resolver()
export class GovernanceReportResolver {
  @Query(() => GovernanceReport, {
    description:
      'Open conflicts by kind, domains by status, claimable accounts, mismatched directories, failed records, migration readiness, and the findings of every rule.',
  })
  @RequireScope(Scope.READ)
  governanceReport(@Ctx() ctx: Context): Promise<GovernanceReport> {
    return buildGovernanceReport(ctx.services.db, ctx.organizationId);
  }
}
