import { registerEnumType } from 'type-graphql';

export enum AccountOrigin {
  SCIM = 'SCIM',
  SELF_SIGNUP = 'SELF_SIGNUP',
  INVITATION = 'INVITATION',
}

export enum AccountStatus {
  ACTIVE = 'ACTIVE',
  /** Organization access removed, reversibly. */
  SUSPENDED = 'SUSPENDED',
  /** Managed account switched off entirely (Atlassian Guard's "deactivate"). */
  DEACTIVATED = 'DEACTIVATED',
}

registerEnumType(AccountOrigin, {
  name: 'AccountOrigin',
  valuesConfig: {
    SCIM: { description: 'Provisioned by an identity provider over SCIM.' },
    SELF_SIGNUP: { description: 'The person signed up on their own.' },
    INVITATION: { description: 'Invited by a site administrator.' },
  },
});
registerEnumType(AccountStatus, {
  name: 'AccountStatus',
  valuesConfig: {
    ACTIVE: {},
    SUSPENDED: { description: 'Organization access removed, reversibly (restoreAccount).' },
    DEACTIVATED: { description: 'A managed account switched off entirely.' },
  },
});
