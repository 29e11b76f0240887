import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum CommonErrorCode {
  /** No such object in the caller's organization (another organization's ids are not found either). */
  NOT_FOUND = 'NOT_FOUND',
  INVALID_INPUT = 'INVALID_INPUT',
  /** expectedVersion is stale: someone changed the object since it was read. */
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  /** The idempotency key was already used with other arguments. */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
}

/**
 * The codes of every feature, by feature. A feature adds its enum where it declares it, with
 * `registerUserErrorCodes(XErrorCode)` and
 * `declare module '../common/user-error' { interface UserErrorCodes { x: XErrorCode } }`,
 * so common/ imports no feature and `UserErrorCode` is still the union of all of them.
 *
 * @public (extended by declaration merging, which knip does not see)
 */
export interface UserErrorCodes {
  common: CommonErrorCode;
}

/** Every code a mutation can refuse with: one stable enum for scripts, defined per feature. */
export type UserErrorCode = UserErrorCodes[keyof UserErrorCodes];

/**
 * The GraphQL enum's values: filled as the features' error files load (each before any of its
 * codes can be returned, and all before the schema is built, which imports every resolver). Kept
 * sorted by name, so the printed schema never depends on the order modules load in.
 */
const userErrorCodes: Record<string, string> = {};

/** Adds a feature's codes to UserErrorCode; one name with two values is a mistake, caught at start-up. */
export function registerUserErrorCodes(codes: Record<string, string>): void {
  for (const [name, value] of Object.entries(codes)) {
    const existing = userErrorCodes[name] as string | undefined;
    if (existing !== undefined && existing !== value)
      throw new Error(`UserErrorCode ${name} is registered twice, as ${existing} and as ${value}`);
  }
  const merged = Object.entries({ ...userErrorCodes, ...codes }).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const name of Object.keys(userErrorCodes)) Reflect.deleteProperty(userErrorCodes, name);
  Object.assign(userErrorCodes, Object.fromEntries(merged));
}

registerUserErrorCodes(CommonErrorCode);
registerEnumType(userErrorCodes, {
  name: 'UserErrorCode',
  description: 'Why a mutation refused; stable across releases.',
});

/** A refusal returned as data: expected, explained, and nothing was changed. */
@ObjectType({ simpleResolvers: true })
export class UserError {
  @Field(() => userErrorCodes)
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
