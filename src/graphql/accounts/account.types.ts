import { ConnectionType } from '../../common';
import { Account } from '../../accounts';

export const AccountConnection = ConnectionType(Account);
export type AccountConnection = InstanceType<typeof AccountConnection>;
