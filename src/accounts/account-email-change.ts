import type { MutationScope } from '../db';
import type { Account } from './account.entity';
import { AccountEmailChange } from './account-email-change.entity';
import { AccountStore } from './account.store';

/**
 * Moves an account to `email` and keeps the old address in its history (rule R6). False, with
 * nothing changed and the transaction still usable, when another account holds the address:
 * the unique index on lower(email) decides, so a concurrent taker cannot slip in between.
 * Used by renames (admin and placeholder) and by IdP pushes alike.
 */
export async function changeAccountEmail(
  m: MutationScope,
  account: Account,
  email: string,
  emailDomain: string,
): Promise<boolean> {
  const previousEmail = account.email;
  if (!(await new AccountStore(m.db).changeEmail(account, email, emailDomain))) return false;
  m.later(AccountEmailChange, {
    organizationId: m.organizationId,
    accountId: account.id,
    previousEmail,
    newEmail: email,
    action: m.action,
    actor: m.actor,
  });
  return true;
}
