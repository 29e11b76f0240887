import { normalizeEmail } from '../accounts';
import {
  CANONICAL_NAMES,
  type DesiredUser,
  primaryEmail,
  ScimRecord,
  type ScimEmail,
  ScimError,
  SyncStatus,
} from '../scim';
import { assertSchemasInclude, externalIdFrom, referenceTo, resourceMeta, servedSchemas } from './representation';
import {
  SCHEMA,
  assertStorable,
  getAttribute,
  isJsonObject,
  optionalString,
  parseBoolean,
  requiredString,
  withoutAttributes,
} from './scim-http';

type Json = Record<string, unknown>;

/** A group a user belongs to, as the User resource lists it (RFC 7643 §4.1.2 `groups`, read-only). */
export interface UserGroupRef {
  id: string;
  displayName: string;
}

/**
 * Attributes a client may not set on a User: credentials are never stored (RFC 7643 §4.1.1
 * `password` is write-only, and we do not authenticate users), `id`/`meta` are the server's, and
 * `groups` is derived from Group memberships.
 */
const NOT_STORED = ['password', 'id', 'meta', 'groups', SCHEMA.provisioning];

/** RFC 7643 spellings of the declared attributes, so `UserName` in a body is `userName` in the raw payload. */
const CANONICAL = new Map([...CANONICAL_NAMES, ['schemas', 'schemas']]);

function canonicalKeys(object: Json): Json {
  return Object.fromEntries(
    Object.entries(object).map(([key, value]) => [CANONICAL.get(key.toLowerCase()) ?? key, value]),
  );
}

const MAX_IDENTIFIER = 512;
const MAX_TEXT = 1024;

function parseEmails(value: unknown): ScimEmail[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ScimError(400, "Attribute 'emails' must be an array.", 'invalidValue');
  return value.map((item, index) => {
    if (!isJsonObject(item)) throw new ScimError(400, `emails[${index}] must be an object.`, 'invalidValue');
    const address = requiredString(getAttribute(item, 'value'), `emails[${index}].value`, 320).trim();
    const checked = normalizeEmail(address);
    if (!checked.ok) throw new ScimError(400, `emails[${index}].value: ${checked.message}`, 'invalidValue');
    const email: ScimEmail = { value: address };
    const display = optionalString(getAttribute(item, 'display'), `emails[${index}].display`, MAX_TEXT);
    if (display !== null) email.display = display;
    const type = optionalString(getAttribute(item, 'type'), `emails[${index}].type`, 100);
    if (type !== null) email.type = type;
    const primary = getAttribute(item, 'primary');
    if (primary !== undefined && primary !== null) email.primary = parseBoolean(primary, `emails[${index}].primary`);
    return email;
  });
}

/**
 * A SCIM User body (POST, PUT, or the result of a PATCH) as the state the IdP wants. Throws
 * ScimError 400 for what cannot be stored or synced: a missing userName, emails that are not
 * addresses, values of the wrong type.
 */
export function desiredUserFrom(body: unknown): DesiredUser {
  if (!isJsonObject(body)) throw new ScimError(400, 'The body must be a SCIM User object.', 'invalidSyntax');
  assertSchemasInclude(body, SCHEMA.user);
  const raw = canonicalKeys(withoutAttributes(body, NOT_STORED));
  assertStorable(raw);

  const userName = requiredString(raw.userName, 'userName', MAX_IDENTIFIER).trim();
  const externalId = externalIdFrom(raw.externalId);
  const name = raw.name === undefined || raw.name === null ? {} : raw.name;
  if (!isJsonObject(name)) throw new ScimError(400, "Attribute 'name' must be an object.", 'invalidValue');
  if (isJsonObject(raw.name)) raw.name = canonicalKeys(raw.name);
  const emails = parseEmails(raw.emails);
  if (Array.isArray(raw.emails))
    raw.emails = raw.emails.map((email: unknown) => (isJsonObject(email) ? canonicalKeys(email) : email));

  // With no emails, a userName that looks like an email becomes the account's email: it must be one.
  const wanted = primaryEmail(emails, userName);
  if (wanted !== null && emails.length === 0 && !normalizeEmail(wanted).ok) {
    throw new ScimError(
      400,
      `userName "${userName.slice(0, 100)}" contains @ but is not an email address; send the email in 'emails'.`,
      'invalidValue',
    );
  }

  return {
    externalId,
    userName,
    emails,
    givenName: optionalString(getAttribute(name, 'givenName'), 'name.givenName', MAX_TEXT),
    familyName: optionalString(getAttribute(name, 'familyName'), 'name.familyName', MAX_TEXT),
    displayName: optionalString(raw.displayName, 'displayName', MAX_TEXT),
    active: raw.active === undefined || raw.active === null ? true : parseBoolean(raw.active, 'active'),
    raw,
  };
}

/**
 * A PUT body or a PATCH result without `active` (RFC 7644 §3.5.2.2: a removed attribute is
 * unassigned) keeps the user as active or inactive as it was: omitting or removing `active` never
 * re-enables a disabled user (README, SCIM). A create without it is active (RFC 7643 §4.1.1).
 */
export function keepActiveUnlessGiven(desired: DesiredUser, body: unknown, current: ScimRecord): DesiredUser {
  const given = isJsonObject(body) ? getAttribute(body, 'active') : undefined;
  if (given === undefined || given === null) desired.active = current.acceptedState?.active ?? current.active;
  return desired;
}

/**
 * The SCIM User a record is: its raw payload overlaid with the columns (the state the record holds
 * now, or the one last accepted while a refused push waits), plus `groups` and `meta`. `location` is the absolute URL of the resource.
 */
export function userResource(stored: ScimRecord, location: string, groups: UserGroupRef[] | null): Json {
  // A push answered 409 waits in the columns as the desired state; the IdP's user is still the one accepted before it.
  const record = stored.acceptedState ? Object.assign(new ScimRecord(), stored, stored.acceptedState) : stored;
  const raw = withoutAttributes(record.rawPayload, [
    ...NOT_STORED,
    'schemas',
    'externalId',
    'userName',
    'name',
    'displayName',
    'emails',
    'active',
  ]);
  const rawName = getAttribute(record.rawPayload, 'name');
  const name: Json = isJsonObject(rawName) ? withoutAttributes(rawName, ['givenName', 'familyName']) : {};
  if (record.givenName !== null) name.givenName = record.givenName;
  if (record.familyName !== null) name.familyName = record.familyName;

  const resource: Json = {
    // The provisioning extension is the server's to add (below), never echoed from the payload.
    schemas: servedSchemas(record.rawPayload, SCHEMA.user, [SCHEMA.provisioning]),
    id: record.id,
    ...(record.externalId !== null ? { externalId: record.externalId } : {}),
    userName: record.userName,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...(record.displayName !== null ? { displayName: record.displayName } : {}),
    ...(record.emails.length > 0 ? { emails: record.emails } : {}),
    active: record.active,
    ...raw,
  };
  // A push parked for a claim is answered 2xx but not provisioned: say so (RFC 7643 §3.3 extension).
  if (stored.syncStatus === SyncStatus.PENDING && stored.lastError !== null) {
    resource.schemas = [...(resource.schemas as string[]), SCHEMA.provisioning];
    resource[SCHEMA.provisioning] = { status: SyncStatus.PENDING, detail: stored.lastError };
  }
  if (groups && groups.length > 0) {
    resource.groups = groups.map((group) => referenceTo(location, 'Groups', group.id, group.displayName, 'direct'));
  }
  resource.meta = resourceMeta('User', record, location);
  return resource;
}
