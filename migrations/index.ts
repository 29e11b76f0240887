import { InitialSchema1764320000000 } from './1764320000000-InitialSchema';
import { GovernanceMutations1764400000000 } from './1764400000000-GovernanceMutations';
import { ScimGroups1764500000000 } from './1764500000000-ScimGroups';
import { DomainOwnedElsewhere1764600000000 } from './1764600000000-DomainOwnedElsewhere';
import { RateLimitBuckets1764610000000 } from './1764610000000-RateLimitBuckets';
import { AccountLastActivity1764700000000 } from './1764700000000-AccountLastActivity';
import { WebhookOutbox1764710000000 } from './1764710000000-WebhookOutbox';
import { ScimPushFindingsAndUnlinks1764790900000 } from './1764790900000-ScimPushFindingsAndUnlinks';
import { ScimAcceptedState1764800000000 } from './1764800000000-ScimAcceptedState';
import { ScimRecordExternalIdIndex1764810000000 } from './1764810000000-ScimRecordExternalIdIndex';
import { ConflictClosedCauseIndex1764820000000 } from './1764820000000-ConflictClosedCauseIndex';
import { ConflictCauseCleared1764830000000 } from './1764830000000-ConflictCauseCleared';
import { AccountPlaceholderIndex1764836100000 } from './1764836100000-AccountPlaceholderIndex';

/** Every migration, oldest first. Listed by hand so the compiled server and the tests run the same set. */
export const migrations = [
  InitialSchema1764320000000,
  GovernanceMutations1764400000000,
  ScimGroups1764500000000,
  DomainOwnedElsewhere1764600000000,
  RateLimitBuckets1764610000000,
  AccountLastActivity1764700000000,
  WebhookOutbox1764710000000,
  ScimPushFindingsAndUnlinks1764790900000,
  ScimAcceptedState1764800000000,
  ScimRecordExternalIdIndex1764810000000,
  ConflictClosedCauseIndex1764820000000,
  ConflictCauseCleared1764830000000,
  AccountPlaceholderIndex1764836100000,
];
