import { registerEnumType } from 'type-graphql';

// The kinds are the rules' findings (rules/kinds.ts); re-exported here for the conflict's own users.
export { ConflictKind } from '../rules';

export enum ConflictStatus {
  OPEN = 'OPEN',
  RESOLVED = 'RESOLVED',
  DISMISSED = 'DISMISSED',
}

registerEnumType(ConflictStatus, { name: 'ConflictStatus' });
