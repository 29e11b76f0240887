import { ConnectionType } from '../../common/pagination';
import { Account } from '../../accounts/account.entity';

export const AccountConnection = ConnectionType(Account);
export type AccountConnection = InstanceType<typeof AccountConnection>;
