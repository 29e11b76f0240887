import { registerUserErrorCodes } from '../common';

export enum DirectoryErrorCode {
  INVALID_ATTRIBUTE = 'INVALID_ATTRIBUTE',
  DIRECTORY_EXISTS = 'DIRECTORY_EXISTS',
}

registerUserErrorCodes(DirectoryErrorCode);
declare module '../common/user-error' {
  interface UserErrorCodes {
    directories: DirectoryErrorCode;
  }
}
