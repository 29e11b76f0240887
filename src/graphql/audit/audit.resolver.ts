import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { RequireScope, Scope } from '../../auth';
import { PageArgs } from '../../common';
import type { Context } from '../../context';
import { AuditEvent, AuditEventFilter } from '../../audit';
import { AuditEventConnection } from './audit.types';

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Query(() => AuditEventConnection, { description: 'The audit trail, newest first.' })
  @RequireScope(Scope.AUDIT_READ)
  async auditEvents(
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter: AuditEventFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<AuditEventConnection> {
    return new AuditEventConnection(await ctx.services.audit.list(ctx.organizationId, filter ?? {}, page));
  }
}
