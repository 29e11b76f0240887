import { ConnectionType } from '../../common/pagination';
import { ScimRecord } from '../../scim/scim-record.entity';

export const ScimRecordConnection = ConnectionType(ScimRecord);
export type ScimRecordConnection = InstanceType<typeof ScimRecordConnection>;
