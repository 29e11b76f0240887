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
