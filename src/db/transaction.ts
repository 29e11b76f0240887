import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, QueryCreator } from 'kysely';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Logger } from 'pino';
import { CommonErrorCode, backoffMs, userError, type UserError, type Change } from '../common';
import { IdempotencyStore } from './idempotency.store';
import { queryBuilderFor, tag, type Db } from './kysely';
import { isRetryableTransactionError } from './pg-errors';

/** Who runs a mutation, for which organization, in which request. */
export interface Caller {
  organizationId: string;
  actor: string;
  requestId: string | null;
}

interface AuditEntry {
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  action?: string;
  /**
   * Another organization's trail, when a change reaches it (a domain verified away from it). That
   * organization may not learn who asked or in which request: its event names this system actor
   * and no request id.
   */
  elsewhere?: { organizationId: string; actor: `system:${string}` };
}

/** What a service's mutation works with: the transaction, the caller, and the audit trail. */
export interface MutationScope extends Caller {
  /** The query builder bound to this mutation's transaction: what stores are given. */
  db: Db;
  action: string;
  dryRun: boolean;
  audit(entry: AuditEntry): Promise<void>;
  /** Inserts a row nothing in this transaction reads back (history, push log) with the commit's last statement. */
  later<T extends ObjectLiteral>(entity: EntityTarget<T>, values: Partial<T>): void;
}

/** What a mutation's work answers: the payload's own fields and its refusals. */
export type Outcome<Fields> = Fields & {
  userErrors: UserError[];
  /** Commit even though userErrors is not empty: the refusal itself is state (a failed sync attempt). */
  persist?: boolean;
};

/** The answer: the payload's own fields, its refusals, and what the runner adds. */
export type Payload<Fields> = Fields & {
  userErrors: UserError[];
  dryRun: boolean;
  replayed: boolean;
  change: Change | null;
};

export interface MutationRequest {
  action: string;
  /** The arguments that define "the same request" for idempotency. */
  args: Record<string, unknown>;
  dryRun?: boolean | null;
  idempotencyKey?: string | null;
}

/** Thrown out of the transaction callback to roll back (compared by identity); the answer is kept beside it. */
const ROLLBACK = new Error('rolled back on purpose: a dry run, a refusal or a replay');

const MAX_ATTEMPTS = 4;

/**
 * How long a mutation whose transaction lost a deadlock or a serialization race waits before it
 * runs again: random (jitter) and growing with the attempt, so the winner finishes first. Retrying
 * at once let the loser take its locks again while the winner's statement still waited on them:
 * two resyncs taking the same address deadlocked on every attempt (about 1 run in 10).
 */
const retryDelayMs = (attempt: number) => Math.random() * backoffMs(attempt + 1, 10, 1_000);

/**
 * Runs one mutation in one transaction: the idempotency key is claimed first, the service
 * applies its rules and writes, the audit event goes in with the change, and a refusal or a dry
 * run rolls everything back. Unique-index waits make concurrent repeats of one key serialize,
 * so a key applies once however many copies race. `blank` is the payload with every own field
 * present (null or empty): the runner's own refusals (a bad or reused key) answer with it, so
 * they are as complete as any answer of `execute`.
 */
export async function runMutation<Fields extends object>(
  db: DataSource,
  caller: Caller,
  request: MutationRequest,
  blank: Required<Fields>,
  execute: (scope: MutationScope) => Promise<Outcome<NoInfer<Fields>>>,
  logger?: Logger,
): Promise<Payload<Fields>> {
  const dryRun = request.dryRun === true;
  const refusal = (error: UserError): Payload<Fields> => ({
    ...blank,
    userErrors: [error],
    dryRun,
    replayed: false,
    change: null,
  });
  const key = dryRun ? null : (request.idempotencyKey ?? null);
  if (key !== null && (key.length === 0 || key.length > 200)) {
    return refusal(
      userError(CommonErrorCode.INVALID_INPUT, 'idempotencyKey must be 1 to 200 characters.', 'idempotencyKey'),
    );
  }
  // Only keyed requests are ever compared, and most mutations (every SCIM push) carry no key.
  const requestHash = key === null ? '' : hashRequest(request);

  for (let attempt = 1; ; attempt++) {
    let rolledBack: Payload<Fields> | undefined;
    try {
      return await db.transaction(async (tx) => {
        const txDb = queryBuilderFor(tx);
        if (key !== null) {
          const claim = await claimIdempotencyKey(txDb, caller.organizationId, key, request.action, requestHash);
          if (claim) {
            rolledBack =
              claim.kind === 'replay'
                ? { ...(revive(db, claim.response) as Payload<Fields>), replayed: true }
                : refusal(
                    userError(
                      CommonErrorCode.IDEMPOTENCY_KEY_REUSED,
                      'This idempotencyKey was already used for a different request.',
                      'idempotencyKey',
                    ),
                  );
            throw ROLLBACK;
          }
        }

        const changes: Change[] = [];
        const pending: PendingInsert[] = [];
        const scope: MutationScope = {
          ...caller,
          db: txDb,
          action: request.action,
          dryRun,
          audit: async (entry) => {
            const elsewhere = entry.elsewhere?.organizationId === caller.organizationId ? undefined : entry.elsewhere;
            const event = {
              organizationId: elsewhere?.organizationId ?? caller.organizationId,
              actor: elsewhere?.actor ?? caller.actor,
              action: entry.action ?? request.action,
              targetType: entry.targetType,
              targetId: entry.targetId,
              before: entry.before ?? null,
              after: entry.after ?? null,
              requestId: elsewhere ? null : caller.requestId,
            };
            // By table name: the audit feature owns the entity (db/ imports no feature).
            pending.push({ entity: 'audit_event', values: event });
            if (!elsewhere) {
              changes.push({
                action: event.action,
                targetType: event.targetType,
                targetId: event.targetId,
                before: event.before,
                after: event.after,
              });
            }
          },
          later: (entity, values) => void pending.push({ entity: entity, values }),
        };

        const outcome = await execute(scope);
        // The blank first: a field the work left out is still present.
        const payload: Payload<Fields> = { ...blank, ...outcome, dryRun, replayed: false, change: changes[0] ?? null };
        Reflect.deleteProperty(payload, 'persist');
        const commit = !dryRun && (outcome.userErrors.length === 0 || outcome.persist === true);
        if (!commit) {
          rolledBack = payload;
          throw ROLLBACK;
        }
        // The audit events (and other write-only rows) go in with one statement, in this transaction.
        await insertAll(txDb, tx, pending, request.action);
        if (key !== null) {
          await new IdempotencyStore(txDb).saveResponse(caller.organizationId, key, store(db, payload) as object);
        }
        return payload;
      });
    } catch (error) {
      if (error === ROLLBACK && rolledBack) return rolledBack;
      if (attempt < MAX_ATTEMPTS && isRetryableTransactionError(error)) {
        logger?.warn({ action: request.action, attempt }, 'transaction conflict; retrying the mutation');
        await sleep(retryDelayMs(attempt));
        continue;
      }
      throw error;
    }
  }
}

/** Forgets idempotency keys older than the time to live; main.ts runs it periodically. */
export async function expireIdempotencyKeys(db: DataSource, ttlHours: number): Promise<void> {
  await new IdempotencyStore(queryBuilderFor(db)).expire(ttlHours);
}

type KeyClaim = { kind: 'replay'; response: unknown } | { kind: 'reused' };

/** Inserts the key, or (after any concurrent holder of it commits) reads what it stored. */
async function claimIdempotencyKey(
  db: Db,
  organizationId: string,
  key: string,
  operation: string,
  requestHash: string,
): Promise<KeyClaim | null> {
  const keys = new IdempotencyStore(db);
  if (await keys.claim(organizationId, key, operation, requestHash)) return null;
  const existing = await keys.stored(organizationId, key);
  if (existing && existing.requestHash === requestHash && existing.response !== null)
    return { kind: 'replay', response: existing.response };
  return { kind: 'reused' };
}

interface PendingInsert {
  entity: EntityTarget<ObjectLiteral>;
  values: Record<string, unknown>;
}

/** Any table by its name, columns by their names: the rows of `later` are known by entity metadata only. */
type AnyTables = Record<string, Record<string, unknown>>;

/**
 * Writes rows that nothing reads back before commit (audit events, push history) in one
 * statement: one INSERT per table, chained as data-modifying CTEs. A round trip saved per row
 * matters on the SCIM write path, where each one costs a write syscall and a backend wake-up.
 * Tables and columns come from the entities' metadata (db/ imports no feature's store); a row's
 * missing columns take their defaults.
 */
async function insertAll(db: Db, tx: EntityManager, pending: PendingInsert[], name: string): Promise<void> {
  if (pending.length === 0) return;
  const byTable = new Map<string, Array<Record<string, unknown>>>();
  for (const { entity, values } of pending) {
    const metadata = tx.dataSource.getMetadata(entity);
    const row: Record<string, unknown> = {};
    for (const column of metadata.columns) {
      const value = values[column.propertyName];
      if (value === undefined) continue;
      // pg sends an array as a Postgres array: jsonb columns get the JSON text.
      row[column.databaseName] = column.type === 'jsonb' && value !== null ? JSON.stringify(value) : value;
    }
    const rows = byTable.get(metadata.tableName) ?? [];
    rows.push(row);
    byTable.set(metadata.tableName, rows);
  }
  const [last, ...others] = [...byTable].reverse();
  let chain: QueryCreator<AnyTables> = db as unknown as Kysely<AnyTables>;
  for (const [i, [table, rows]] of others.entries()) {
    chain = chain.with(`w${i}`, (query) => query.insertInto(table).values(rows)) as unknown as QueryCreator<AnyTables>;
  }
  await chain.insertInto(last[0]).values(last[1]).modifyEnd(tag(name)).execute();
}

function hashRequest(request: MutationRequest): string {
  return createHash('sha256')
    .update(`${request.action}\n${stableJson(request.args)}`)
    .digest('hex');
}

/** JSON with sorted keys and undefined dropped, so equal arguments always hash alike. */
function stableJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A payload as JSON that keeps which objects were entities and which values were dates. */
function store(db: DataSource, value: unknown): unknown {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map((item) => store(db, item));
  if (value !== null && typeof value === 'object') {
    const fields = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, store(db, v)]));
    return db.hasMetadata(value.constructor) ? { $entity: db.getMetadata(value.constructor).name, fields } : fields;
  }
  return value;
}

function revive(db: DataSource, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => revive(db, item));
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.$date === 'string') return new Date(record.$date);
    if (typeof record.$entity === 'string') {
      const target = db.getMetadata(record.$entity).target as new () => object;
      return Object.assign(Object.create(target.prototype as object) as object, revive(db, record.fields));
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revive(db, v)]));
  }
  return value;
}
