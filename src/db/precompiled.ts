import type { CompiledQuery, RawBuilder } from 'kysely';
import type { Db } from './kysely';

/**
 * A value a precompiled statement takes on each run, standing in for it while the statement is
 * built: it can only be interpolated into SQL. Code that reads it as a value (a string, JSON)
 * throws, so a builder that computes with its arguments fails on its first build instead of
 * compiling a placeholder's text into the statement.
 */
class Slot {
  constructor(readonly key: string) {
    Object.freeze(this);
  }

  [Symbol.toPrimitive](): never {
    throw new Error(`precompiled statement: argument "${this.key}" is used as a value, not only interpolated into SQL`);
  }

  toJSON(): never {
    return this[Symbol.toPrimitive]();
  }
}

/** Where each parameter of the compiled statement comes from: an argument of the run, or a constant of the shape. */
type ParameterSource = { argument: string } | { constant: unknown };

/**
 * A statement whose text depends only on its shape, built and compiled by Kysely once and then
 * run with each call's values in its parameters. For a statement as large as the rules' per-change
 * reconcile (several hundred nodes from eight rule files), building, snake-casing and compiling
 * it cost more of the server's CPU than sending and decoding it: 6% of a SCIM create's on-CPU
 * time. `build` receives stand-ins for its arguments (see Slot) and may only interpolate them;
 * anything it computes from them belongs to the caller, before `execute`.
 */
export class Precompiled<Args extends object, Row> {
  private compiled: { query: CompiledQuery<Row>; sources: ParameterSource[] } | undefined;

  constructor(private readonly build: (args: Args) => RawBuilder<Row>) {}

  async execute(db: Db, args: Args): Promise<Row[]> {
    const { query, sources } = (this.compiled ??= this.compile(db));
    const values = args as Record<string, unknown>;
    const parameters = sources.map((source) => ('argument' in source ? values[source.argument] : source.constant));
    const { rows } = await db.executeQuery<Row>({ ...query, parameters });
    return rows;
  }

  // The first caller's builder compiles it: every builder shares one compiler and one snake-case plugin.
  private compile(db: Db): { query: CompiledQuery<Row>; sources: ParameterSource[] } {
    const slots = new Proxy({} as Args, {
      get: (_target, key) => (typeof key === 'string' ? new Slot(key) : undefined),
    });
    const query = this.build(slots).compile(db);
    const sources = query.parameters.map((parameter): ParameterSource =>
      parameter instanceof Slot ? { argument: parameter.key } : { constant: parameter },
    );
    return { query, sources };
  }
}
