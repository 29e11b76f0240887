import { registerUserErrorCodes } from '../common';

export enum ConflictErrorCode {
  CONFLICT_NOT_OPEN = 'CONFLICT_NOT_OPEN',
}

registerUserErrorCodes(ConflictErrorCode);
declare module '../common/user-error' {
  interface UserErrorCodes {
    conflicts: ConflictErrorCode;
  }
}
