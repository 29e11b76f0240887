/** What the resource routes ask of the Users and Groups services, declared once for both. */
import type { Directory } from '../directories';
import type { ScimOutcome } from '../scim';
import type { ListRequest } from './list-request';
import type { ScimCall } from './scim-call';

/** PUT, PATCH and DELETE address one resource: the directory's call, the id in the path, the client's If-Match. */
export interface ResourceWrite {
  call: ScimCall;
  id: string;
  ifMatch: string | undefined;
}

/** Reads by directory, as the feature's queries (ScimRecordQueries, ScimGroupQueries) answer them. */
interface ResourceReads<T> {
  find(directory: Directory, id: string): Promise<T | null>;
  list(directory: Directory, request: ListRequest): Promise<{ total: number; rows: T[] }>;
}

/** The service behind one SCIM resource type: reads by directory, writes as the directory's push. */
export interface ResourceService<T> {
  /** Reads need nothing of the service: they go to the feature's queries as they are. */
  readonly reads: ResourceReads<T>;
  create(call: ScimCall, body: unknown): Promise<ScimOutcome<T>>;
  replace(write: ResourceWrite, body: unknown): Promise<ScimOutcome<T>>;
  /** `location`: the resource's absolute URL, for the representation the operations apply to. */
  patch(write: ResourceWrite, body: unknown, location: string): Promise<ScimOutcome<T>>;
  remove(write: ResourceWrite): Promise<ScimOutcome<T>>;
}
