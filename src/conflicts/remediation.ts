import { Field, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { firstFreePlaceholder } from '../accounts';
import { ConflictKind, ConflictStatus } from './conflict.enums';

// Plain fields: graphql-js reads them without type-graphql's per-field middleware wrapper (a queue page has ~100 steps).
@ObjectType({
  description:
    'One step that fixes a conflict: a mutation to call with these arguments, or something to do at the IdP.',
  simpleResolvers: true,
})
export class RemediationStep {
  @Field(() => Int, { description: 'Order of the step, from 1.' })
  position: number;

  @Field({
    description: 'The mutation to call (e.g. renameAccountEmail), or a manual action such as pushFromIdentityProvider.',
  })
  action: string;

  @Field({ description: 'True when `action` is a mutation of this API that a script can call with `arguments`.' })
  automated: boolean;

  @Field(() => GraphQLJSON, { description: 'The arguments to pass, by name.' })
  arguments: Record<string, unknown>;

  @Field()
  description: string;

  @Field({ description: 'This action was already applied to the conflict.' })
  done: boolean;
}

/** What remediation depends on beyond the conflict row, loaded in batches by the resolver. */
export interface RemediationFacts {
  conflict: {
    kind: ConflictKind;
    status: ConflictStatus;
    email: string | null;
    accountId: string | null;
    conflictingAccountId: string | null;
    scimRecordId: string | null;
    directoryId: string | null;
    domainId: string | null;
    actionsTaken: string[];
  };
  conflictingAccountIdpManaged: boolean;
  /** The conflict's own account is linked to a SCIM record (rule R1: it changes at the IdP). */
  accountIdpManaged: boolean;
  recordLinked: boolean;
  domain: { id: string; name: string; status: string } | null;
  directory: { ssoEmailAttribute: string; scimEmailAttribute: string } | null;
  /** Lower-cased placeholders of the conflict email's series already in use (anywhere): the rename skips them. */
  placeholdersInUse: string[];
}

/** The facts beyond the conflict row and its record and directory, which each cost a read per conflict. */
type ReadFact = 'conflictingAccountIdpManaged' | 'accountIdpManaged' | 'domain' | 'placeholdersInUse';

/**
 * The kinds whose steps read each fact: the queue's plan reads a fact only for these kinds (a
 * page of DUPLICATE_ACCOUNTS needs none), and remediationFor shows any other kind the fact's
 * empty value, so a fact read for every kind (the loader) gives the same steps.
 */
export const REMEDIATION_FACT_KINDS: Readonly<Record<ReadFact, readonly ConflictKind[]>> = {
  conflictingAccountIdpManaged: [ConflictKind.EMAIL_TAKEN],
  accountIdpManaged: [ConflictKind.DOMAIN_OWNED_ELSEWHERE],
  domain: [
    ConflictKind.EMAIL_TAKEN,
    ConflictKind.UNVERIFIED_DOMAIN,
    ConflictKind.UNMANAGED_ACCOUNT,
    ConflictKind.STALE_EXTERNAL_ACCOUNT,
  ],
  placeholdersInUse: [ConflictKind.EMAIL_TAKEN],
};

const reads = (fact: ReadFact, kind: ConflictKind): boolean => REMEDIATION_FACT_KINDS[fact].includes(kind);

/** The facts as the conflict's kind may read them: the others at their empty value. */
function factsOfKind(facts: RemediationFacts): RemediationFacts {
  const { kind } = facts.conflict;
  // The plan reads no other fact: its facts are already so (no copy).
  const extra =
    (facts.conflictingAccountIdpManaged && !reads('conflictingAccountIdpManaged', kind)) ||
    (facts.accountIdpManaged && !reads('accountIdpManaged', kind)) ||
    (facts.domain !== null && !reads('domain', kind)) ||
    (facts.placeholdersInUse.length > 0 && !reads('placeholdersInUse', kind));
  if (!extra) return facts;
  return {
    ...facts,
    conflictingAccountIdpManaged: reads('conflictingAccountIdpManaged', kind) && facts.conflictingAccountIdpManaged,
    accountIdpManaged: reads('accountIdpManaged', kind) && facts.accountIdpManaged,
    domain: reads('domain', kind) ? facts.domain : null,
    placeholdersInUse: reads('placeholdersInUse', kind) ? facts.placeholdersInUse : [],
  };
}

type Step = Omit<RemediationStep, 'position' | 'done'>;

const mutation = (action: string, args: Record<string, unknown>, description: string): Step => ({
  action,
  automated: true,
  arguments: args,
  description,
});
const manual = (action: string, description: string): Step => ({
  action,
  automated: false,
  arguments: {},
  description,
});

/** Bulk mutations, by the single mutation a step names: each takes that step for every id it is given. */
const SINGLE_OF: Record<string, string> = {
  claimAccounts: 'claimAccount',
  suspendAccounts: 'suspendAccount',
  resyncScimRecords: 'resyncScimRecord',
  dismissConflicts: 'dismissConflict',
};

/**
 * The ordered steps that fix an OPEN conflict, as the article prescribes them. A script can
 * follow them mechanically; `done` marks the ones already taken.
 */
export function remediationFor(facts: RemediationFacts): RemediationStep[] {
  const { conflict } = facts;
  if (conflict.status !== ConflictStatus.OPEN) return [];
  const steps = stepsFor(factsOfKind(facts));
  // A bulk mutation takes the step its single twin names (claimAccounts after a claimAccount step).
  const taken = conflict.actionsTaken.map((action) => SINGLE_OF[action] ?? action);
  return steps.map((step, i) => {
    // Each taken action marks one step done, in order, so a repeated action does not mark later ones.
    const at = step.automated ? taken.indexOf(step.action) : -1;
    if (at >= 0) taken.splice(at, 1);
    return {
      position: i + 1,
      action: step.action,
      automated: step.automated,
      arguments: step.arguments,
      description: step.description,
      done: at >= 0,
    };
  });
}

function stepsFor({
  conflict,
  conflictingAccountIdpManaged,
  accountIdpManaged,
  recordLinked,
  domain,
  directory,
  placeholdersInUse,
}: RemediationFacts): Step[] {
  const record = conflict.scimRecordId;
  // Conflicts about an address always carry it; the fallbacks only keep a sentence whole.
  const email = conflict.email ?? 'the email';
  const resync = record
    ? [
        mutation(
          'resyncScimRecord',
          { id: record },
          "Apply the identity provider's last push to the account again; the conflict then resolves.",
        ),
      ]
    : [];
  const domainName = conflict.email?.split('@')[1] ?? null;
  // Only the kinds that start with the domain build its step.
  const verifyFirst = (): Step[] =>
    domain === null
      ? domainName
        ? [
            mutation(
              'addDomain',
              { name: domainName, method: 'DNS_TXT' },
              `Add ${domainName} to your organization, then publish its verification token.`,
            ),
          ]
        : []
      : domain.status === 'VERIFIED'
        ? []
        : [mutation('verifyDomain', { id: domain.id }, `Prove that your organization owns ${domain.name}.`)];

  switch (conflict.kind) {
    case ConflictKind.EMAIL_TAKEN:
      if (conflict.conflictingAccountId === null) {
        // Not available to the organization (rule R8). On a domain it verified itself, the holder
        // outside predates the verification and has its DOMAIN_OWNED_ELSEWHERE conflict to fix.
        if (domain?.status === 'VERIFIED') {
          return [
            manual(
              'awaitRelease',
              `${email} is on your verified domain ${domain.name}, but an account outside your organization held it before you verified the domain. That organization has been asked to move it (rule R8); once it has, resync (the retry worker also keeps retrying), or give the user another email at the identity provider.`,
            ),
            ...resync,
          ];
        }
        return [
          manual(
            'changeEmailAtIdentityProvider',
            `${email} is not available to your organization: give the user another email at the identity provider.`,
          ),
          ...resync,
        ];
      }
      if (conflictingAccountIdpManaged) {
        return [
          mutation(
            'deleteScimRecord',
            { id: record },
            'The email belongs to an account another SCIM record provisions: delete this stuck record (the account and its history stay).',
          ),
          manual(
            'pushFromIdentityProvider',
            'Push the user again from the identity provider: the new record links to the account that owns the email.',
          ),
        ];
      }
      return [
        mutation(
          'renameAccountEmail',
          { accountId: conflict.conflictingAccountId },
          `Rename the account holding ${email} to a placeholder (${placeholderHint(conflict.email, placeholdersInUse)}), freeing the email.`,
        ),
        ...resync,
      ];
    case ConflictKind.MAPPING_MISMATCH:
      return [
        mutation(
          'updateDirectoryMapping',
          {
            directoryId: conflict.directoryId,
            ssoEmailAttribute: directory?.ssoEmailAttribute,
            scimEmailAttribute: directory?.ssoEmailAttribute,
          },
          `Map the SCIM email to the same attribute as SSO (${directory?.ssoEmailAttribute ?? 'unknown'}), in the identity provider and here.`,
        ),
      ];
    case ConflictKind.UNVERIFIED_DOMAIN:
      return [...verifyFirst(), ...resync];
    case ConflictKind.UNMANAGED_ACCOUNT:
      return [
        ...verifyFirst(),
        mutation(
          'claimAccount',
          { accountId: conflict.accountId },
          'Claim the account so your organization (and its identity provider) manages it.',
        ),
        ...(record
          ? [
              ...(recordLinked && !conflict.actionsTaken.includes('linkScimRecord')
                ? []
                : [
                    mutation(
                      'linkScimRecord',
                      { id: record, accountId: conflict.accountId },
                      'Link the waiting SCIM record to the claimed account.',
                    ),
                  ]),
              ...resync,
            ]
          : []),
      ];
    case ConflictKind.DUPLICATE_ACCOUNTS:
      return [
        mutation(
          'deleteScimRecord',
          { id: record },
          'Delete the record that provisions the stray account (the account and its history stay).',
        ),
        manual(
          'pushFromIdentityProvider',
          'Push the user again from the identity provider so one record links to the account that owns the email.',
        ),
      ];
    case ConflictKind.DOMAIN_OWNED_ELSEWHERE: {
      const domainName = conflict.email?.split('@')[1] ?? 'its domain';
      if (accountIdpManaged) {
        return [
          manual(
            'changeEmailAtIdentityProvider',
            `Give the user an address on one of your own domains at the identity provider and push it; the conflict resolves once the account leaves ${domainName}.`,
          ),
        ];
      }
      return [
        {
          // Not for a script: it needs a newEmail on one of the organization's own verified domains.
          action: 'renameAccountEmail',
          automated: false,
          arguments: { accountId: conflict.accountId },
          description: `Rename the account to an address on one of your own verified domains (pass newEmail: a placeholder would stay on ${domainName}), or deactivate it; the conflict then resolves.`,
        },
      ];
    }
    case ConflictKind.STALE_EXTERNAL_ACCOUNT: {
      // On the old domain of a migration (the conflict names it), or external (rule R5: no domain
      // named; the loaders find the organization's domain of the email's name, if any).
      if (conflict.domainId !== null) {
        return [
          mutation(
            'suspendAccount',
            { id: conflict.accountId, reason: 'No identity provider backs this account after the domain migration.' },
            'Suspend the account (reversible with restoreAccount; suspendAccounts takes many at once), or dismiss the conflict if it should stay.',
          ),
        ];
      }
      const name = domain?.name ?? domainName ?? 'its domain';
      const keep =
        domain === null
          ? `addDomain ${name}, verifyDomain it, then claimAccount (or claimDomain)`
          : `verifyDomain ${name}, then claimAccount (or claimDomain)`;
      return [
        mutation(
          'suspendAccount',
          {
            id: conflict.accountId,
            reason:
              'External account: not on a verified domain of the organization, and no identity provider backs it.',
          },
          `Suspend the account (reversible with restoreAccount; suspendAccounts takes many at once). To keep it instead, prove the organization owns ${name} (${keep}): on a verified domain the account is no longer external and the conflict resolves. Or dismiss the conflict if it should stay as it is.`,
        ),
      ];
    }
  }
}

// The placeholder the rename would pick now: the first of the series not in use.
function placeholderHint(email: string | null, inUse: readonly string[]): string {
  if (!email) return 'name+duplicated@domain';
  const at = email.lastIndexOf('@');
  return firstFreePlaceholder(email.slice(0, at), email.slice(at + 1), new Set(inUse)).email;
}
