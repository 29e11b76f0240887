import { ConnectionType } from '../../common/pagination';
import { Conflict } from '../../conflicts/conflict.entity';

export const ConflictConnection = ConnectionType(Conflict);
export type ConflictConnection = InstanceType<typeof ConflictConnection>;
