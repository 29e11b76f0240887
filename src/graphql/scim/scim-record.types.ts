import { ConnectionType } from '../../common';
import { ScimRecord, ScimPush } from '../../scim';

export const ScimRecordConnection = ConnectionType(ScimRecord);
export type ScimRecordConnection = InstanceType<typeof ScimRecordConnection>;

export const ScimPushConnection = ConnectionType(ScimPush);
export type ScimPushConnection = InstanceType<typeof ScimPushConnection>;
