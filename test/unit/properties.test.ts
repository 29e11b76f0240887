import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { normalizeEmail, placeholderEmail } from '../../src/accounts/email';
import { normalizeDomainName } from '../../src/domains/domain-name';
import { compileFilter, USER_FILTER_SCHEMA } from '../../src/scim/filter';
import { applyPatch, USER_PATCH_OPTIONS } from '../../src/scim/patch';
import { ScimError } from '../../src/scim/scim-error';
import { decodeCursor, type Keyset } from '../../src/db/keyset';

/** What the database CHECKs demand of a stored email and domain. */
const STORABLE_EMAIL = /^[^@\s]+@[^@\s]+$/;
const STORABLE_DOMAIN = (name: string) => name === name.toLowerCase() && /^.+\..+$/.test(name);

// Mixes of the characters attackers and typos produce: unicode, controls, quotes, SQL and LIKE syntax.
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom(...'aA0@.+-_%\\\'"*[] \t\n\u0000é\u0430\u200bх'.split('')), maxLength: 80 }),
  fc.emailAddress(),
  fc.domain(),
);

describe('property: free-text inputs never break the service or store an invalid value', () => {
  it('emails: normalizeEmail never throws, and what it accepts is storable and stable', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const result = normalizeEmail(input);
        if (!result.ok) return typeof result.message === 'string' && result.message.length <= 200;
        return (
          STORABLE_EMAIL.test(result.email) &&
          result.email.length <= 254 &&
          normalizeEmail(result.email).ok &&
          normalizeEmail(result.email).ok
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('placeholders of valid emails are valid emails themselves', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.integer({ min: 1, max: 10_000 }), (email, n) => {
        const parsed = normalizeEmail(email);
        fc.pre(parsed.ok);
        const placeholder = placeholderEmail(parsed.local, parsed.domain, n);
        return placeholder.length > 254 || normalizeEmail(placeholder).ok;
      }),
      { numRuns: 1000 },
    );
  });

  it('domains: normalizeDomainName never throws, and what it accepts is storable and idempotent', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const result = normalizeDomainName(input);
        if (!result.ok) return ['INVALID_DOMAIN', 'PUBLIC_SUFFIX'].includes(result.code);
        const again = normalizeDomainName(result.name);
        return STORABLE_DOMAIN(result.name) && result.name.length <= 253 && again.ok && again.name === result.name;
      }),
      { numRuns: 2000 },
    );
  });

  it('SCIM filters: compile or a 400 invalidFilter, never another error, and values only as parameters', () => {
    const filterish = fc.oneof(
      hostile,
      fc
        .tuple(
          fc.constantFrom(
            'userName',
            'emails',
            'emails.value',
            'name.givenName',
            'active',
            'meta.lastModified',
            'id',
            'externalId',
            'unknown',
          ),
          fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'zz'),
          fc.oneof(
            fc.string({ maxLength: 30 }).map((s) => JSON.stringify(s)),
            fc.constantFrom('true', 'False', 'null', '12', '"2026-01-01T00:00:00Z"'),
          ),
          fc.constantFrom('', ' and ', ' or ', ')', '(', '[', ']', ' not'),
        )
        .map(([attribute, op, value, tail]) => `${attribute} ${op} ${value}${tail}`),
    );
    fc.assert(
      fc.property(filterish, (filter) => {
        try {
          const compiled = compileFilter(filter, USER_FILTER_SCHEMA, 3);
          // Every placeholder the SQL uses is one of the parameters, numbered from 3.
          const used = [...compiled.sql.matchAll(/\$(\d+)/g)].map((match) => Number(match[1]));
          return used.every((n) => n >= 3 && n < 3 + compiled.params.length);
        } catch (error) {
          return error instanceof ScimError && error.status === 400 && error.scimType === 'invalidFilter';
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('SCIM PATCH: applies or answers a 400 with a scimType, never another error, never touching id', () => {
    const operation = fc.record({
      op: fc.constantFrom('add', 'Replace', 'remove', 'REMOVE', 'copy'),
      path: fc.option(
        fc.oneof(
          hostile,
          fc.constantFrom(
            'active',
            'emails[type eq "work"].value',
            'name.givenName',
            'id',
            'meta.version',
            'members[value eq "x"]',
          ),
        ),
        { nil: undefined },
      ),
      value: fc.oneof(fc.jsonValue(), fc.constantFrom('False', 'True')),
    });
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 5 }), (operations) => {
        const resource = {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          id: 'fixed',
          userName: 'a@b.c',
          active: true,
          emails: [{ value: 'a@b.c', type: 'work' }],
        };
        try {
          const patched = applyPatch(
            resource,
            { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations },
            USER_PATCH_OPTIONS,
          );
          return patched.id === 'fixed' && (typeof patched.active === 'boolean' || patched.active === undefined);
        } catch (error) {
          return error instanceof ScimError && error.status === 400 && typeof error.scimType === 'string';
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('cursors: decode or a BAD_USER_INPUT, never another error', () => {
    const keyset: Keyset<{ email: string; id: string }> = {
      scope: 'accounts',
      direction: 'asc',
      keys: [
        { property: 'email', cast: 'text' },
        { property: 'id', cast: 'uuid' },
      ],
    };
    const cursorish = fc.oneof(
      hostile,
      fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
    );
    fc.assert(
      fc.property(cursorish, (cursor) => {
        try {
          return decodeCursor(keyset, cursor).length === 2;
        } catch (error) {
          return error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT';
        }
      }),
      { numRuns: 3000 },
    );
  });
});
