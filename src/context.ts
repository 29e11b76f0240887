import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { requirePrincipal, type AuthState, type Principal } from './auth';
import { AccountService, createAccountLoaders } from './accounts';
import { DomainOwnershipChecker, DomainService, createDomainLoaders, type DomainCheckerOptions } from './domains';
import { DirectoryService, createDirectoryLoaders } from './directories';
import { OrganizationService } from './organizations';
import { createScimLoaders, createScimGroupLoaders, ScimRecordService } from './scim';
import { createConflictLoaders, ConflictService } from './conflicts';
import { AuditService } from './audit';
import { WebhookService } from './webhooks';
import { runMutation, type MutationRequest, type MutationScope, type Outcome, type Payload } from './db';
import type { MutationPayload, PayloadFields, PayloadType } from './common';
import { readPlans } from './graphql';

/** Stateless, created once per server: they hold the DataSource, never request state. */
export function createServices(db: DataSource, options: { domainCheck: DomainCheckerOptions }) {
  return {
    db,
    domainChecker: new DomainOwnershipChecker(options.domainCheck),
    accounts: new AccountService(db),
    domains: new DomainService(db),
    directories: new DirectoryService(db),
    organizations: new OrganizationService(db),
    scimRecords: new ScimRecordService(db),
    conflicts: new ConflictService(db),
    audit: new AuditService(db),
    webhooks: new WebhookService(db, { allowPrivateAddresses: options.domainCheck.allowPrivateAddresses }),
  };
}

export type Services = ReturnType<typeof createServices>;

function createLoaders(db: DataSource, organizationId: string) {
  return {
    accounts: createAccountLoaders(db, organizationId),
    domains: createDomainLoaders(db, organizationId),
    directories: createDirectoryLoaders(db, organizationId),
    scim: createScimLoaders(db, organizationId),
    scimGroups: createScimGroupLoaders(db, organizationId),
    conflicts: createConflictLoaders(db, organizationId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Per request: who is calling, for which organization, and that request's DataLoaders. */
export class Context implements AuthState {
  private requestLoaders?: Loaders;

  constructor(
    readonly services: Services,
    readonly log: Logger,
    readonly requestId: string,
    readonly principal?: Principal,
    readonly authError?: string,
    /** The HTTP response's locals, where the request log finds the operation name. */
    readonly responseLocals?: Record<string, unknown>,
  ) {}

  /** The caller's organization: every read and write is scoped to it. */
  get organizationId(): string {
    return requirePrincipal(this).organizationId;
  }

  get actor(): string {
    return requirePrincipal(this).subject;
  }

  /** Reads planned from the selection (src/graphql): what resolvers of list fields call. */
  readonly plans = readPlans;

  get loaders(): Loaders {
    return (this.requestLoaders ??= createLoaders(this.services.db, this.organizationId));
  }

  /**
   * Runs a mutation as this caller: one transaction, its audit event, dry run and idempotency.
   * The payload class gives the runner its blank, so a refusal fills every non-null field.
   */
  mutate<T extends MutationPayload>(
    type: PayloadType<T>,
    request: MutationRequest,
    execute: (scope: MutationScope) => Promise<Outcome<PayloadFields<T>>>,
  ): Promise<Payload<PayloadFields<T>>> {
    const caller = { organizationId: this.organizationId, actor: this.actor, requestId: this.requestId };
    return runMutation(this.services.db, caller, request, type.blank, execute, this.log);
  }
}
