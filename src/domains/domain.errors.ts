import { registerUserErrorCodes } from '../common';

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
  /** completeDomainMigration: accounts or conflicts of the migration still need the admin (rule R5). */
  MIGRATION_NOT_READY = 'MIGRATION_NOT_READY',
  /** completeDomainMigration, cancelDomainMigration: the migration already ended. */
  MIGRATION_ENDED = 'MIGRATION_ENDED',
}

registerUserErrorCodes(DomainErrorCode);
declare module '../common/user-error' {
  interface UserErrorCodes {
    domains: DomainErrorCode;
  }
}
