import { ScimError } from '../../src/scim/scim-error';
import {
  applyPatch,
  GROUP_PATCH_OPTIONS,
  PATCH_OP_SCHEMA,
  USER_PATCH_OPTIONS,
  type ScimResource,
} from '../../src/scim/patch';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function user(): ScimResource {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: '2819c223-7f76-453a-919d-413861904646',
    externalId: 'ext-1',
    userName: 'bjensen@example.com',
    active: true,
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [{ type: 'work', value: 'bjensen@example.com', primary: true }],
    meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' },
  };
}

function group(): ScimResource {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'g1',
    displayName: 'Engineering',
    members: [{ value: 'u1', display: 'User One' }, { value: 'u2' }],
    meta: { resourceType: 'Group' },
  };
}

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

function scimError(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScimError) return err;
    throw err;
  }
  throw new Error('expected a ScimError');
}

describe('applyPatch — Okta', () => {
  it('deprovisions with a path-less replace of {active:false}', () => {
    const out = applyPatch(user(), patch({ op: 'replace', value: { active: false } }), USER_PATCH_OPTIONS);
    expect(out.active).toBe(false);
    expect(out.userName).toBe('bjensen@example.com');
  });

  it('reactivates with {active:true}', () => {
    const inactive = { ...user(), active: false };
    expect(applyPatch(inactive, patch({ op: 'replace', value: { active: true } }), USER_PATCH_OPTIONS).active).toBe(
      true,
    );
  });

  it('replaces name.givenName, keeping familyName', () => {
    const out = applyPatch(user(), patch({ op: 'replace', path: 'name.givenName', value: 'Babs' }), USER_PATCH_OPTIONS);
    expect(out.name).toEqual({ givenName: 'Babs', familyName: 'Jensen' });
  });

  it('renames a group with a path-less replace that repeats the unchanged id', () => {
    const out = applyPatch(
      group(),
      patch({ op: 'replace', value: { id: 'g1', displayName: 'Platform' } }),
      GROUP_PATCH_OPTIONS,
    );
    expect(out.displayName).toBe('Platform');
    expect(out.id).toBe('g1');
  });
});

describe('applyPatch — Microsoft Entra ID', () => {
  it('accepts capitalised ops and string booleans', () => {
    const out = applyPatch(user(), patch({ op: 'Replace', path: 'active', value: 'False' }), USER_PATCH_OPTIONS);
    expect(out.active).toBe(false);
    const back = applyPatch(out, patch({ op: 'Replace', path: 'active', value: 'TRUE' }), USER_PATCH_OPTIONS);
    expect(back.active).toBe(true);
  });

  it('converts string booleans inside path-less values and multi-valued elements', () => {
    const out = applyPatch(
      user(),
      patch(
        { op: 'Replace', value: { active: 'False' } },
        { op: 'Add', path: 'phoneNumbers', value: [{ type: 'mobile', value: '+1 555', primary: 'True' }] },
        { op: 'Replace', path: 'emails[type eq "work"].primary', value: 'false' },
      ),
      USER_PATCH_OPTIONS,
    );
    expect(out.active).toBe(false);
    expect(out.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555', primary: true }]);
    expect(out.emails).toEqual([{ type: 'work', value: 'bjensen@example.com', primary: false }]);
  });

  it('replaces the value of the matching element for emails[type eq "work"].value', () => {
    const out = applyPatch(
      user(),
      patch({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'barbara@example.com' }),
      USER_PATCH_OPTIONS,
    );
    expect(out.emails).toEqual([{ type: 'work', value: 'barbara@example.com', primary: true }]);
  });

  it('adds {type:"work", value} when no element matches the value path (replace and add)', () => {
    const noEmail = { ...user() };
    delete noEmail.emails;
    const replaced = applyPatch(
      noEmail,
      patch({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'w@example.com' }),
      USER_PATCH_OPTIONS,
    );
    expect(replaced.emails).toEqual([{ type: 'work', value: 'w@example.com' }]);

    const added = applyPatch(
      user(),
      patch({ op: 'Add', path: 'emails[type eq "home"].value', value: 'h@example.com' }),
      USER_PATCH_OPTIONS,
    );
    expect(added.emails).toEqual([
      { type: 'work', value: 'bjensen@example.com', primary: true },
      { type: 'home', value: 'h@example.com' },
    ]);
  });

  it('replaces name.familyName', () => {
    const out = applyPatch(
      user(),
      patch({ op: 'Replace', path: 'name.familyName', value: 'Smith' }),
      USER_PATCH_OPTIONS,
    );
    expect(out.name).toEqual({ givenName: 'Barbara', familyName: 'Smith' });
  });

  it('sets the enterprise manager from {"value":"id"} or a bare string, under the extension URN key', () => {
    const path = `${ENTERPRISE}:manager`;
    const fromObject = applyPatch(user(), patch({ op: 'Add', path, value: { value: 'boss-1' } }), USER_PATCH_OPTIONS);
    expect(fromObject[ENTERPRISE]).toEqual({ manager: { value: 'boss-1' } });
    expect(fromObject.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE]);

    const fromString = applyPatch(fromObject, patch({ op: 'Replace', path, value: 'boss-2' }), USER_PATCH_OPTIONS);
    expect(fromString[ENTERPRISE]).toEqual({ manager: { value: 'boss-2' } });

    const removed = applyPatch(fromString, patch({ op: 'Remove', path }), USER_PATCH_OPTIONS);
    expect(removed[ENTERPRISE]).toBeUndefined();
    expect(removed.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User']);
  });

  it("drops the old manager's displayName when the manager changes, keeps it when only other sub-attributes change", () => {
    const withManager = {
      ...user(),
      [ENTERPRISE]: { manager: { value: 'boss-1', displayName: 'Old Boss' }, department: 'Sales' },
    };
    const changed = applyPatch(
      withManager,
      patch({ op: 'Replace', value: { [`${ENTERPRISE}:manager`]: 'boss-2' } }),
      USER_PATCH_OPTIONS,
    );
    expect(changed[ENTERPRISE]).toEqual({ manager: { value: 'boss-2' }, department: 'Sales' });
    const same = applyPatch(
      withManager,
      patch({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: { value: 'boss-1', $ref: '../Users/boss-1' } }),
      USER_PATCH_OPTIONS,
    );
    expect(same[ENTERPRISE]).toEqual({
      manager: { value: 'boss-1', displayName: 'Old Boss', $ref: '../Users/boss-1' },
      department: 'Sales',
    });
  });

  it('sets the enterprise department', () => {
    const out = applyPatch(
      user(),
      patch({ op: 'Add', path: `${ENTERPRISE}:department`, value: 'Finance' }),
      USER_PATCH_OPTIONS,
    );
    expect(out[ENTERPRISE]).toEqual({ department: 'Finance' });
  });

  it('expands a path-less value whose keys are dotted or URN-prefixed paths', () => {
    const out = applyPatch(
      user(),
      patch({
        op: 'Replace',
        value: {
          'name.givenName': 'A',
          [`${ENTERPRISE}:employeeNumber`]: '7',
          'urn:ietf:params:scim:schemas:core:2.0:User:displayName': 'Barbara J',
          'emails[type eq "work"].value': 'a@example.com',
        },
      }),
      USER_PATCH_OPTIONS,
    );
    expect(out.name).toEqual({ givenName: 'A', familyName: 'Jensen' });
    expect(out[ENTERPRISE]).toEqual({ employeeNumber: '7' });
    expect(out.displayName).toBe('Barbara J');
    expect((out.emails as Array<{ value: string }>)[0].value).toBe('a@example.com');
  });

  it('appends to a multi-valued attribute with Add path "emails"', () => {
    const out = applyPatch(
      user(),
      patch({ op: 'Add', path: 'emails', value: [{ type: 'home', value: 'home@example.com' }] }),
      USER_PATCH_OPTIONS,
    );
    expect(out.emails).toEqual([
      { type: 'work', value: 'bjensen@example.com', primary: true },
      { type: 'home', value: 'home@example.com' },
    ]);
  });

  it('removes specific members with Remove path "members" and a value array', () => {
    const out = applyPatch(
      group(),
      patch({ op: 'Remove', path: 'members', value: [{ value: 'u1' }] }),
      GROUP_PATCH_OPTIONS,
    );
    expect(out.members).toEqual([{ value: 'u2' }]);
  });
});

describe('applyPatch — group membership', () => {
  it('adds members without duplicating existing values', () => {
    const out = applyPatch(
      group(),
      patch({ op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u3' }, { value: 'u3' }] }),
      GROUP_PATCH_OPTIONS,
    );
    expect(out.members).toEqual([{ value: 'u1', display: 'User One' }, { value: 'u2' }, { value: 'u3' }]);
  });

  it('creates members when the group had none', () => {
    const empty = { ...group() };
    delete empty.members;
    const out = applyPatch(
      empty,
      patch({ op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }),
      GROUP_PATCH_OPTIONS,
    );
    expect(out.members).toEqual([{ value: 'u1' }, { value: 'u2' }]);
  });

  it('removes a member by value filter', () => {
    const out = applyPatch(group(), patch({ op: 'remove', path: 'members[value eq "u1"]' }), GROUP_PATCH_OPTIONS);
    expect(out.members).toEqual([{ value: 'u2' }]);
  });

  it('leaves members unassigned when the last one is removed', () => {
    const out = applyPatch(
      group(),
      patch(
        { op: 'Remove', path: 'members[value eq "u1"]' },
        { op: 'Remove', path: 'members', value: [{ value: 'u2' }] },
      ),
      GROUP_PATCH_OPTIONS,
    );
    expect(out).not.toHaveProperty('members');
  });

  it('replaces displayName', () => {
    const out = applyPatch(
      group(),
      patch({ op: 'replace', path: 'displayName', value: 'Platform' }),
      GROUP_PATCH_OPTIONS,
    );
    expect(out.displayName).toBe('Platform');
  });
});

describe('applyPatch — attribute names', () => {
  it('matches attribute names case-insensitively, keeping the existing key', () => {
    const out = applyPatch(
      user(),
      patch(
        { op: 'replace', path: 'username', value: 'b@example.com' },
        { op: 'replace', path: 'NAME.GIVENNAME', value: 'B' },
      ),
      USER_PATCH_OPTIONS,
    );
    expect(out.userName).toBe('b@example.com');
    expect(out).not.toHaveProperty('username');
    expect(out.name).toEqual({ givenName: 'B', familyName: 'Jensen' });
  });

  it('uses RFC 7643 spelling for a new attribute written in another case', () => {
    const out = applyPatch(user(), patch({ op: 'add', path: 'DISPLAYNAME', value: 'Babs' }), USER_PATCH_OPTIONS);
    expect(out.displayName).toBe('Babs');
  });

  it('strips the core schema URN prefix', () => {
    const out = applyPatch(
      user(),
      patch({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName', value: 'J' }),
      USER_PATCH_OPTIONS,
    );
    expect(out.name).toEqual({ givenName: 'Barbara', familyName: 'J' });
    expect(Object.keys(out).some((k) => k.startsWith('urn:'))).toBe(false);
  });

  it('matches value filters case-insensitively', () => {
    const out = applyPatch(
      user(),
      patch({ op: 'replace', path: 'Emails[Type eq "WORK"].Value', value: 'x@example.com' }),
      USER_PATCH_OPTIONS,
    );
    expect(out.emails).toEqual([{ type: 'work', value: 'x@example.com', primary: true }]);
  });
});

describe('applyPatch — errors', () => {
  it.each([
    ['a non-object body', 'nope'],
    ['an array body', []],
    ['missing schemas', { Operations: [{ op: 'replace', value: { active: false } }] }],
    [
      'wrong schemas',
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        Operations: [{ op: 'replace', value: { active: false } }],
      },
    ],
    ['missing Operations', { schemas: [PATCH_OP_SCHEMA] }],
    ['empty Operations', { schemas: [PATCH_OP_SCHEMA], Operations: [] }],
    [
      'too many Operations',
      {
        schemas: [PATCH_OP_SCHEMA],
        Operations: Array.from({ length: 1001 }, () => ({ op: 'replace', value: { active: true } })),
      },
    ],
    ['an unknown op', patch({ op: 'move', path: 'active', value: true })],
    ['an add without value', patch({ op: 'add', path: 'displayName' })],
  ])('rejects %s with invalidSyntax', (_label, body) => {
    const err = scimError(() => applyPatch(user(), body, USER_PATCH_OPTIONS));
    expect(err).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
  });

  it('rejects remove without a path with noTarget', () => {
    expect(scimError(() => applyPatch(user(), patch({ op: 'remove' }), USER_PATCH_OPTIONS)).scimType).toBe('noTarget');
  });

  // RFC 7644 §3.5.2.2 asks noTarget of a remove without a path only; §3.5.2.3's noTarget is replace's.
  it('treats a remove whose value filter matches nothing as a no-op, and applies the add beside it', () => {
    const result = applyPatch(
      group(),
      patch(
        { op: 'remove', path: 'members[value eq "nobody"]' },
        { op: 'add', path: 'members', value: [{ value: 'someone' }] },
      ),
      GROUP_PATCH_OPTIONS,
    );
    expect(result.members).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'someone' })]));
  });

  it('rejects replace with a non-equality filter matching nothing with noTarget', () => {
    const err = scimError(() =>
      applyPatch(
        user(),
        patch({ op: 'replace', path: 'emails[value co "zzz"].primary', value: true }),
        USER_PATCH_OPTIONS,
      ),
    );
    expect(err.scimType).toBe('noTarget');
  });

  it.each([
    'emails[type eq "work"',
    'emails[type eq].value',
    'name..givenName',
    'emails[type eq "work"]value',
    'a.b.c',
    '%%%',
  ])('rejects unparsable path %s with invalidPath', (path) => {
    const err = scimError(() => applyPatch(user(), patch({ op: 'replace', path, value: 'x' }), USER_PATCH_OPTIONS));
    expect(err).toMatchObject({ status: 400, scimType: 'invalidPath' });
  });

  it('rejects a non-boolean active with invalidValue', () => {
    for (const value of ['yes', 1, { value: true }]) {
      const err = scimError(() =>
        applyPatch(user(), patch({ op: 'replace', path: 'active', value }), USER_PATCH_OPTIONS),
      );
      expect(err).toMatchObject({ status: 400, scimType: 'invalidValue' });
    }
    const pathless = scimError(() =>
      applyPatch(user(), patch({ op: 'replace', value: { active: 'nope' } }), USER_PATCH_OPTIONS),
    );
    expect(pathless.scimType).toBe('invalidValue');
  });

  it('rejects a path-less add whose value is not an object with invalidValue', () => {
    expect(scimError(() => applyPatch(user(), patch({ op: 'add', value: 'x' }), USER_PATCH_OPTIONS)).scimType).toBe(
      'invalidValue',
    );
  });

  it.each([
    ['replace id', { op: 'replace', path: 'id', value: 'other' }],
    ['remove id', { op: 'remove', path: 'id' }],
    ['replace meta.lastModified', { op: 'replace', path: 'meta.lastModified', value: '2030-01-01T00:00:00Z' }],
    ['path-less replace of id', { op: 'replace', value: { id: 'other', active: false } }],
  ])('rejects %s with mutability', (_label, operation) => {
    const err = scimError(() => applyPatch(user(), patch(operation), USER_PATCH_OPTIONS));
    expect(err).toMatchObject({ status: 400, scimType: 'mutability' });
  });

  it('names the failing operation in the detail', () => {
    const err = scimError(() =>
      applyPatch(
        user(),
        patch({ op: 'replace', path: 'active', value: true }, { op: 'remove', path: 'id' }),
        USER_PATCH_OPTIONS,
      ),
    );
    expect(err.detail).toMatch(/^Operations\[1\]/);
  });
});

describe('applyPatch — immutability', () => {
  it('does not mutate the input resource or the request body', () => {
    const resource = user();
    const snapshot = structuredClone(resource);
    const body = patch(
      { op: 'replace', value: { active: false, 'name.givenName': 'X' } },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
      { op: 'Add', path: 'emails', value: [{ type: 'home', value: 'h@example.com' }] },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'boss' },
      { op: 'Remove', path: 'externalId' },
    );
    const bodySnapshot = structuredClone(body);
    const out = applyPatch(resource, body, USER_PATCH_OPTIONS);
    expect(resource).toEqual(snapshot);
    expect(body).toEqual(bodySnapshot);
    expect(out).not.toBe(resource);
    expect(out.name).not.toBe(resource.name);
    expect(out.active).toBe(false);
  });

  it('does not mutate the input when an operation fails part-way', () => {
    const resource = group();
    const snapshot = structuredClone(resource);
    expect(() =>
      applyPatch(
        resource,
        patch({ op: 'add', path: 'members', value: [{ value: 'u9' }] }, { op: 'remove' }),
        GROUP_PATCH_OPTIONS,
      ),
    ).toThrow(ScimError);
    expect(resource).toEqual(snapshot);
  });
});

// One filter parser for list filters and PATCH paths (issue 12): they used to disagree.
describe('applyPatch — value filters read as list filters read them', () => {
  it('unescapes JSON strings the same way: "a\\\\b" is a\\b', () => {
    const resource = { ...group(), members: [{ value: 'a\\b' }, { value: 'a\\\\b' }] };
    const out = applyPatch(resource, patch({ op: 'remove', path: 'members[value eq "a\\\\b"]' }), GROUP_PATCH_OPTIONS);
    expect(out.members).toEqual([{ value: 'a\\\\b' }]);
  });

  it('takes the literals True/False/NULL in any case, as the ABNF allows', () => {
    const out = applyPatch(
      user(),
      patch({ op: 'replace', path: 'emails[primary eq True].value', value: 'b@example.com' }),
      USER_PATCH_OPTIONS,
    );
    expect(out.emails).toEqual([{ type: 'work', value: 'b@example.com', primary: true }]);
  });

  it.each([
    ['emails[type eq "work" and value co "JENSEN"]', true],
    ['emails[type ne "home"]', true],
    ['emails[not (type eq "work")]', false],
    ['emails[display pr]', false],
    ['emails[value sw "bj" or type eq "x"]', true],
    ['emails[value gt "a"]', true],
  ])('evaluates %s like a list filter (matches: %s)', (path, matched) => {
    const out = applyPatch(user(), patch({ op: 'remove', path }), USER_PATCH_OPTIONS);
    expect(out.emails === undefined).toBe(matched);
  });

  it("reports a bad value filter with the list parser's message, as invalidPath", () => {
    const err = scimError(() =>
      applyPatch(user(), patch({ op: 'remove', path: 'emails[type xx "work"]' }), USER_PATCH_OPTIONS),
    );
    expect(err).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(err.detail).toMatch(/Unknown operator 'xx'/);
  });
});
