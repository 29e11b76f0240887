import { CommonErrorCode, userError, type UserError } from '../common';
import type { MutationScope } from '../db';
import { R2 } from '../rules';
import { type Conflict, ConflictKind, causeKey, openConflict, resolveConflicts } from '../conflicts';
import {
  type Directory,
  DirectoryErrorCode,
  DirectoryStore,
  type IdentityProvider,
  lockDirectory,
  newDirectoryToken,
} from '../directories';

/**
 * The directory mutations: a directory's SSO and SCIM mappings decide its MAPPING_MISMATCH
 * conflict (rule R2), so creating one or changing its mapping spans directories and conflicts.
 */
export type DirectoryOutcome =
  | { kind: 'changed'; directory: Directory; token?: string; resolved?: Conflict[]; opened?: Conflict | null }
  | { kind: 'refused'; errors: UserError[]; directory?: Directory | null };

const ATTRIBUTE = /^[A-Za-z0-9_.:[\]-]{1,200}$/;

function attributeErrors(input: { ssoEmailAttribute: string; scimEmailAttribute: string }): UserError[] {
  return (['ssoEmailAttribute', 'scimEmailAttribute'] as const)
    .filter((field) => !ATTRIBUTE.test(input[field].trim()))
    .map((field) =>
      userError(
        DirectoryErrorCode.INVALID_ATTRIBUTE,
        `${field} must be an IdP attribute name such as user.mail (letters, digits, . _ : - [ ]; up to 200).`,
        field,
      ),
    );
}

/** Rule R2: a mismatched mapping keeps a MAPPING_MISMATCH conflict open; a fixed one resolves it. */
async function reconcileMapping(m: MutationScope, directory: Directory) {
  const mismatch = R2.evaluate(directory);
  if (mismatch) {
    const { conflict } = await openConflict(m, {
      kind: ConflictKind.MAPPING_MISMATCH,
      causeKey: causeKey.directory(directory.id),
      summary: mismatch,
      directoryId: directory.id,
    });
    return { opened: conflict, resolved: [] };
  }
  const resolved = await resolveConflicts(m, { directoryId: directory.id, kinds: [ConflictKind.MAPPING_MISMATCH] });
  return { opened: null, resolved };
}

const directorySnapshot = (directory: Directory) => ({
  name: directory.name,
  provider: directory.provider,
  ssoEmailAttribute: directory.ssoEmailAttribute,
  scimEmailAttribute: directory.scimEmailAttribute,
});

export const directoryMutations = {
  /** A new IdP connection; its SCIM bearer token is returned here once and stored only hashed. */
  async create(
    m: MutationScope,
    input: { name: string; provider: IdentityProvider; ssoEmailAttribute: string; scimEmailAttribute: string },
  ): Promise<DirectoryOutcome> {
    const name = input.name.trim();
    const errors = attributeErrors(input);
    if (name.length === 0 || name.length > 100)
      errors.unshift(userError(CommonErrorCode.INVALID_INPUT, 'name must be 1 to 100 characters.', 'name'));
    if (errors.length > 0) return { kind: 'refused', errors };
    const { token, hash } = newDirectoryToken();
    const directory = await new DirectoryStore(m.db).insert({
      organizationId: m.organizationId,
      name,
      provider: input.provider,
      ssoEmailAttribute: input.ssoEmailAttribute.trim(),
      scimEmailAttribute: input.scimEmailAttribute.trim(),
      tokenHash: hash,
      tokenIssuedAt: new Date(),
    });
    if (!directory) {
      return {
        kind: 'refused',
        errors: [userError(DirectoryErrorCode.DIRECTORY_EXISTS, `A directory named ${name} already exists.`, 'name')],
      };
    }
    const { opened } = await reconcileMapping(m, directory);
    await m.audit({
      targetType: 'Directory',
      targetId: directory.id,
      before: null,
      after: directorySnapshot(directory),
    });
    return { kind: 'changed', directory, token, opened };
  },

  /** Replaces the SCIM token: the old one stops working at once. */
  async rotateToken(
    m: MutationScope,
    input: { id: string; expectedVersion?: number | null },
  ): Promise<DirectoryOutcome> {
    const { row: directory, refusal } = await lockDirectory(m, input.id, input.expectedVersion, 'id');
    if (refusal) return { kind: 'refused', errors: [refusal], directory };
    const { token, hash } = newDirectoryToken();
    const before = { tokenIssuedAt: directory.tokenIssuedAt };
    await new DirectoryStore(m.db).update(directory, { tokenHash: hash, tokenIssuedAt: new Date() });
    await m.audit({
      targetType: 'Directory',
      targetId: directory.id,
      before,
      after: { tokenIssuedAt: directory.tokenIssuedAt },
    });
    return { kind: 'changed', directory, token };
  },

  async updateMapping(
    m: MutationScope,
    input: {
      directoryId: string;
      ssoEmailAttribute: string;
      scimEmailAttribute: string;
      expectedVersion?: number | null;
    },
  ): Promise<DirectoryOutcome> {
    const { row: directory, refusal } = await lockDirectory(m, input.directoryId, input.expectedVersion, 'directoryId');
    if (refusal) return { kind: 'refused', errors: [refusal], directory };
    const errors = attributeErrors(input);
    if (errors.length > 0) return { kind: 'refused', errors, directory };
    const before = directorySnapshot(directory);
    await new DirectoryStore(m.db).update(directory, {
      ssoEmailAttribute: input.ssoEmailAttribute.trim(),
      scimEmailAttribute: input.scimEmailAttribute.trim(),
    });
    const { opened, resolved } = await reconcileMapping(m, directory);
    await m.audit({ targetType: 'Directory', targetId: directory.id, before, after: directorySnapshot(directory) });
    return { kind: 'changed', directory, opened, resolved };
  },
};
