import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { RequireScope } from '../../auth/authorization';
import { Scope } from '../../auth/scopes';
import { PageArgs } from '../../common/pagination';
import type { Context } from '../../context';
import { AuditEvent } from '../../audit/audit-event.entity';
import { AuditEventFilter } from '../../audit/audit.inputs';
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
