import { registerUserErrorCodes } from '../common/user-error';

export enum DomainErrorCode {
  INVALID_DOMAIN = 'INVALID_DOMAIN',
  PUBLIC_SUFFIX = 'PUBLIC_SUFFIX',
  DOMAIN_EXISTS = 'DOMAIN_EXISTS',
  /** Rule R3: claiming needs a VERIFIED domain, and a managed account's email stays on one. */
  DOMAIN_NOT_VERIFIED = 'DOMAIN_NOT_VERIFIED',
  /** Rule R4: a migration needs both domains claimed. */
  DOMAIN_NOT_CLAIMED = 'DOMAIN_NOT_CLAIMED',
  VERIFICATION_FAILED = 'VERIFICATION_FAILED',
  MIGRATION_IN_PROGRESS = 'MIGRATION_IN_PROGRESS',
}

registerUserErrorCodes(DomainErrorCode);
declare module '../common/user-error' {
  interface UserErrorCodes {
    domains: DomainErrorCode;
  }
}
