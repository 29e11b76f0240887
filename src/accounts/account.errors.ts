import { registerUserErrorCodes } from '../common';

export enum AccountErrorCode {
  INVALID_EMAIL = 'INVALID_EMAIL',
  /**
   * Another account of the organization already owns the email (unique system-wide,
   * case-insensitively). A resync answers it, with the IdP's detail, for every reason it cannot
   * apply the wanted email, rule R8's included.
   */
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  /**
   * Rule R8: the address cannot be used by the organization: another organization's account holds
   * it, or another organization verified its domain. One code and one message for both, on purpose.
   */
  EMAIL_UNAVAILABLE = 'EMAIL_UNAVAILABLE',
  /** Rule R1: the account is linked to a SCIM record; change it at the IdP. */
  IDP_MANAGED_ACCOUNT = 'IDP_MANAGED_ACCOUNT',
  ACCOUNT_NOT_MANAGED = 'ACCOUNT_NOT_MANAGED',
  INVALID_STATUS_TRANSITION = 'INVALID_STATUS_TRANSITION',
}

registerUserErrorCodes(AccountErrorCode);
declare module '../common/user-error' {
  interface UserErrorCodes {
    accounts: AccountErrorCode;
  }
}
