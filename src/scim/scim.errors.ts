import { registerUserErrorCodes } from '../common';

export enum ScimErrorCode {
  /** No silent takeover: an unmanaged account is linked only after it is claimed. */
  ACCOUNT_NOT_CLAIMED = 'ACCOUNT_NOT_CLAIMED',
  /** The account already has a record in this directory. */
  ACCOUNT_ALREADY_LINKED = 'ACCOUNT_ALREADY_LINKED',
  RECORD_NOT_LINKED = 'RECORD_NOT_LINKED',
}

registerUserErrorCodes(ScimErrorCode);
declare module '../common/user-error' {
  interface UserErrorCodes {
    scim: ScimErrorCode;
  }
}
