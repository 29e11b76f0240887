import { ConnectionType } from '../../common/pagination';
import { ScimRecord } from '../../scim/scim-record.entity';
import { ScimPush } from '../../scim/scim-push.entity';

export const ScimRecordConnection = ConnectionType(ScimRecord);
export type ScimRecordConnection = InstanceType<typeof ScimRecordConnection>;

export const ScimPushConnection = ConnectionType(ScimPush);
export type ScimPushConnection = InstanceType<typeof ScimPushConnection>;
