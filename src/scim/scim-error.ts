/** RFC 7644 §3.12 error types, sent as `scimType` in error responses. */
export type ScimErrorType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A failure the SCIM client caused; the HTTP layer turns it into the SCIM error body. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimErrorType,
  ) {
    super(detail);
    this.name = 'ScimError';
  }

  toJSON() {
    return {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

/** What a SCIM write answers: the resource written, its removal, or the client's error (nothing written). */
export type ScimOutcome<T> =
  | { kind: 'written'; status: 200 | 201; resource: T; /** Created by this very request. */ fresh?: boolean }
  | { kind: 'deleted' }
  | { kind: 'rejected'; error: ScimError };
