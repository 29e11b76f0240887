export enum AccountErrorCode {
  INVALID_EMAIL = 'INVALID_EMAIL',
  /** Another account already owns the email (unique system-wide, case-insensitively). */
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  /** Rule R1: the account is linked to a SCIM record; change it at the IdP. */
  IDP_MANAGED_ACCOUNT = 'IDP_MANAGED_ACCOUNT',
  ACCOUNT_NOT_MANAGED = 'ACCOUNT_NOT_MANAGED',
  INVALID_STATUS_TRANSITION = 'INVALID_STATUS_TRANSITION',
}
