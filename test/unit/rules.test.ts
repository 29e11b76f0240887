import fc from 'fast-check';
import { R3, R5, R8, check, type Party } from '../../src/rules/rules';

const party = fc.constantFrom<Party>('none', 'us', 'others');

describe('rule R8: the addresses of a verified domain belong to the organization that verified it', () => {
  it('refuses taking an address for every reason outside the organization with one and the same answer', () => {
    fc.assert(
      fc.property(fc.emailAddress(), party, party, (email, heldBy, domainVerifiedBy) => {
        const refusal = check(R8, { email, heldBy, domainVerifiedBy, taking: true }, 'newEmail');
        const outside = heldBy === 'others' || domainVerifiedBy === 'others';
        if (!outside) return refusal === null;
        // Whatever made it unavailable, the refusal is the one for a held address on a free domain.
        return (
          JSON.stringify(refusal) ===
          JSON.stringify(check(R8, { email, heldBy: 'others', domainVerifiedBy: 'none', taking: true }, 'newEmail'))
        );
      }),
    );
    expect(check(R8, { email: 'a@b.example', heldBy: 'none', domainVerifiedBy: 'others', taking: true })).toEqual({
      code: 'EMAIL_UNAVAILABLE',
      field: null,
      rule: 'R8',
      message:
        'a@b.example cannot be used by your organization: it is in use outside it, or its domain belongs to another organization.',
    });
  });

  it('reports what stands on both sides, and never names the other organization', () => {
    expect(R8.evaluate({ email: 'a@b.example', heldBy: 'us', domainVerifiedBy: 'others', taking: false })).toBe(
      'a@b.example is on b.example, a domain another organization has verified; its addresses belong to that organization (rule R8). Move the account to an address on one of your own domains.',
    );
    expect(R8.evaluate({ email: 'a@b.example', heldBy: 'others', domainVerifiedBy: 'us', taking: false })).toMatch(
      /^a@b\.example on your verified domain b\.example is held by an account outside your organization/,
    );
    expect(R8.evaluate({ email: 'a@b.example', heldBy: 'us', domainVerifiedBy: 'us', taking: false })).toBeNull();
    expect(R8.evaluate({ email: 'a@b.example', heldBy: 'others', domainVerifiedBy: 'none', taking: false })).toBeNull();
  });
});

describe("rule R3: claims need a verified domain, and a managed account's email stays on one", () => {
  const verified = { name: 'b.example', status: 'VERIFIED', claimed: true };
  const unverified = { name: 'b.example', status: 'UNVERIFIED', claimed: false };

  it('refuses a managed email off the verified domains, with the code DOMAIN_NOT_VERIFIED', () => {
    expect(check(R3, { email: 'a@b.example', domain: verified, subject: 'managedEmail' })).toBeNull();
    expect(check(R3, { email: 'a@b.example', domain: unverified, subject: 'managedEmail' }, 'newEmail')).toEqual({
      code: 'DOMAIN_NOT_VERIFIED',
      field: 'newEmail',
      rule: 'R3',
      message:
        "a@b.example is not on a verified domain of your organization (b.example is UNVERIFIED), and a managed account's email stays on one: verify b.example first.",
    });
    expect(R3.evaluate({ email: 'a@b.example', domain: null, subject: 'managedEmail' })).toMatch(
      /add and verify b\.example first\.$/,
    );
  });

  it('keeps its claim messages', () => {
    expect(R3.evaluate({ email: 'a@b.example', domain: null, subject: 'claim' })).toBe(
      'a@b.example is not on a domain of your organization: add and verify b.example first.',
    );
    expect(R3.evaluate({ email: '*@b.example', domain: unverified, subject: 'claim' })).toBe(
      'b.example is UNVERIFIED, not VERIFIED: verify it before claiming accounts on it.',
    );
  });
});

describe('rule R5: review and suspend outdated or external accounts', () => {
  const facts = {
    email: 'a@b.example',
    status: 'ACTIVE',
    backedByRecord: false,
    migration: null,
    onVerifiedDomain: false,
    domainVerifiedElsewhere: false,
  };
  const migration = { from: 'b.example', to: 'c.example' };

  it('finds active accounts no record backs: on the old domain of a migration (that wording wins), or external', () => {
    expect(R5.evaluate(facts)).toBe(
      'a@b.example is external (b.example is not a verified domain of your organization) and no identity provider backs it: review it and suspend it.',
    );
    const migrating =
      'a@b.example is on b.example, which is being migrated to c.example, and no identity provider backs it: review it and suspend it.';
    expect(R5.evaluate({ ...facts, migration })).toBe(migrating);
    expect(R5.evaluate({ ...facts, migration, onVerifiedDomain: true })).toBe(migrating);
  });

  it('leaves alone accounts a record backs, inactive ones, those on a verified domain, and those rule R8 reports', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('ACTIVE', 'SUSPENDED', 'DEACTIVATED'),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (status, backedByRecord, migrating, onVerifiedDomain, domainVerifiedElsewhere) => {
          const found = R5.evaluate({
            ...facts,
            status,
            backedByRecord,
            migration: migrating ? migration : null,
            onVerifiedDomain,
            domainVerifiedElsewhere,
          });
          const expected =
            status === 'ACTIVE' && !backedByRecord && (migrating || (!onVerifiedDomain && !domainVerifiedElsewhere));
          return (found !== null) === expected;
        },
      ),
    );
  });
});
