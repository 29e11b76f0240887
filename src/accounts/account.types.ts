import { ConnectionType } from '../common/pagination';
import { Account } from './account.entity';

export const AccountConnection = ConnectionType(Account);
export type AccountConnection = InstanceType<typeof AccountConnection>;
