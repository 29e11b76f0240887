import { ConnectionType } from '../../common';
import { Conflict } from '../../conflicts';

export const ConflictConnection = ConnectionType(Conflict);
export type ConflictConnection = InstanceType<typeof ConflictConnection>;
