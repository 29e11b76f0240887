import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { AccountErrorCode } from '../accounts/account.errors';
import { DomainErrorCode } from '../domains/domain.errors';
import { DirectoryErrorCode } from '../directories/directory.errors';
import { ScimErrorCode } from '../scim/scim.errors';
import { ConflictErrorCode } from '../conflicts/conflict.errors';

export enum CommonErrorCode {
  /** No such object in the caller's organization (another organization's ids are not found either). */
  NOT_FOUND = 'NOT_FOUND',
  INVALID_INPUT = 'INVALID_INPUT',
  /** expectedVersion is stale: someone changed the object since it was read. */
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  /** The idempotency key was already used with other arguments. */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
}

/** Every code a mutation can refuse with: one stable enum for scripts, defined per feature. */
export const UserErrorCode = {
  ...CommonErrorCode,
  ...AccountErrorCode,
  ...DomainErrorCode,
  ...DirectoryErrorCode,
  ...ScimErrorCode,
  ...ConflictErrorCode,
};
export type UserErrorCode = (typeof UserErrorCode)[keyof typeof UserErrorCode];

registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Why a mutation refused; stable across releases.',
});

/** A refusal returned as data: expected, explained, and nothing was changed. */
@ObjectType({ simpleResolvers: true })
export class UserError {
  @Field(() => UserErrorCode)
  code: UserErrorCode;

  @Field(() => String, { nullable: true, description: 'The argument at fault, e.g. "newEmail" or "ids.3".' })
  field: string | null;

  @Field()
  message: string;

  @Field(() => String, { nullable: true, description: 'The best-practice rule behind the refusal (R1-R8), if any.' })
  rule: string | null;
}

export function userError(
  code: UserErrorCode,
  message: string,
  field: string | null = null,
  rule: string | null = null,
): UserError {
  return { code, message, field, rule };
}

export const notFoundError = (type: string, field: string) =>
  userError(CommonErrorCode.NOT_FOUND, `No ${type} with that id in your organization.`, field);
