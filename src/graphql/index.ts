/**
 * Read planning's face: root list fields and `_entities` planned from the selection. Resolvers
 * reach it through the request's Context (`ctx.plans`), so no feature folder imports this one
 * at run time (this folder imports the features).
 */
import { PLANNED_ACCOUNT, planAccounts } from './account-search.plan';
import { PLANNED_CONFLICT, planConflicts } from './conflict-queue.plan';
import { planned } from './planned';

export { planEntities } from './entities.plan';

/** What resolvers use: the planners, and what a planner read ahead for a field. */
export const readPlans = {
  conflicts: planConflicts,
  accounts: planAccounts,
  /** What the planner read for a parent's field, or undefined (then ask the loader). */
  planned,
  conflict: PLANNED_CONFLICT,
  account: PLANNED_ACCOUNT,
};
export { AccountMutationResolver, accountReferenceResolvers, AccountResolver } from './accounts/account.resolver';
export { AuditResolver } from './audit/audit.resolver';
export { ConflictMutationResolver, conflictReferenceResolvers, ConflictResolver } from './conflicts/conflict.resolver';
export { DirectoryMutationResolver } from './directories/directory-mutation.resolver';
export { directoryReferenceResolvers, DirectoryResolver } from './directories/directory.resolver';
export { DomainMutationResolver } from './domains/domain-mutation.resolver';
export { DomainMigrationResolver, domainReferenceResolvers, DomainResolver } from './domains/domain.resolver';
export { OrganizationResolver } from './organizations/organization.resolver';
export { GovernanceReportResolver } from './rules/report.resolver';
export { AccountScimGroupsResolver, ScimGroupResolver, ScimRecordGroupsResolver } from './scim/scim-group.resolver';
export {
  ScimPushResolver,
  ScimRecordMutationResolver,
  scimRecordReferenceResolvers,
  ScimRecordResolver,
} from './scim/scim-record.resolver';
export { WebhookResolver } from './webhooks/webhook.resolver';
