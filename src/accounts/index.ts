/** The accounts feature's face: what other folders may use. */
export { Account } from './account.entity';
export { AccountFilter } from './account.inputs';
export { AccountStatus } from './account.enums';
export { AccountErrorCode } from './account.errors';
export { ACCOUNT_KEYSET, AccountStore, accountList } from './account.store';
export { AccountService, lockAccount, renameToPlaceholder, staleAccounts } from './account.service';
export { changeAccountEmail } from './account-email-change';
export { firstFreePlaceholder, normalizeEmail, placeholderEmail } from './email';
export { createAccountLoaders } from './account.loaders';
export { AccountEmailChange } from './account-email-change.entity';
export { AccountOrigin } from './account.enums';
