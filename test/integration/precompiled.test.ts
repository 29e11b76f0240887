import { sql } from 'kysely';
import { Precompiled, queryBuilderFor } from '../../src/db';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * A precompiled statement (the rules' per-change reconcile is one) is built and compiled once,
 * then runs with each call's values: the values must reach Postgres as parameters, constants of
 * its shape must stay, and a builder that computes with an argument must fail at once.
 */
describe('precompiled statements', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 2 });
    await db.dataSource.query(`CREATE TABLE precompiled_probe (id int PRIMARY KEY, owner_name text)`);
    await db.dataSource.query(`INSERT INTO precompiled_probe VALUES (1, 'ada'), (2, 'bob'), (3, 'ada'), (4, 'cy')`);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('builds once and runs with each call’s values, keeping the shape’s constants', async () => {
    let builds = 0;
    const byOwner = new Precompiled<{ ownerName: string; ids: number[] }, { id: number; ownerName: string }>((args) => {
      builds++;
      return sql`SELECT id, owner_name FROM precompiled_probe
                  WHERE owner_name = ${args.ownerName} AND id = ANY(${args.ids}::int[]) AND id <> ${99}
                  ORDER BY id`;
    });
    const pool = queryBuilderFor(db.dataSource);

    expect(await byOwner.execute(pool, { ownerName: 'ada', ids: [1, 2, 3] })).toEqual([
      { id: 1, ownerName: 'ada' },
      { id: 3, ownerName: 'ada' },
    ]);
    expect(await byOwner.execute(pool, { ownerName: 'bob', ids: [2, 4] })).toEqual([{ id: 2, ownerName: 'bob' }]);
    expect(await byOwner.execute(pool, { ownerName: 'ada', ids: [] })).toEqual([]);
    expect(builds).toBe(1);
  });

  it('refuses a builder that uses an argument as a value rather than interpolating it', async () => {
    // As a store writes a jsonb column: JSON.stringify of an argument must happen before execute.
    const asJson = new Precompiled<{ emails: string[] }, { emails: string[] }>(
      (args) => sql`SELECT ${JSON.stringify(args.emails)}::jsonb AS emails`,
    );
    await expect(asJson.execute(queryBuilderFor(db.dataSource), { emails: ['a@b.example'] })).rejects.toThrow(
      /argument "emails" is used as a value/,
    );
  });
});
