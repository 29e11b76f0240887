/** The domains feature's face: what other folders may use. */
export { Domain } from './domain.entity';
export { DomainMigration, MigrationStatus } from './domain-migration.entity';
export { DomainErrorCode } from './domain.errors';
export { DomainStore } from './domain.store';
export {
  DomainService,
  domainFacts,
  domainMutations,
  domainOwnedElsewhere,
  findDomainsByName,
  lockDomain,
  type DomainOutcome,
} from './domain.service';
export { asciiDomain, storedDomainName } from './domain-name';
export {
  DomainOwnershipChecker,
  isNonPublicAddress,
  type CheckResult,
  type DomainCheckerOptions,
} from './domain-checker';
export { createDomainLoaders } from './domain.loaders';
export { DomainVerification, newVerificationToken, verificationInstructions } from './domain-verification';
export { DomainStatus, DomainVerificationMethod } from './domain.enums';
