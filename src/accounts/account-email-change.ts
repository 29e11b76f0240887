import { violatedUniqueConstraint } from '../db/pg-errors';
import { updateRow } from '../db/rows';
import { savepoint, type MutationScope } from '../db/transaction';
import { Account } from './account.entity';
import { AccountEmailChange } from './account-email-change.entity';

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
  try {
    await savepoint(m.tx, () => updateRow(m.tx, Account, account, { email, emailDomain }));
  } catch (error) {
    if (violatedUniqueConstraint(error) !== 'account_email_lower_key') throw error;
    return false;
  }
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
