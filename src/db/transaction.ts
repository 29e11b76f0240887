import { createHash } from 'node:crypto';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Logger } from 'pino';
import { CommonErrorCode, userError, type UserError } from '../common/user-error';
import type { Change } from '../common/mutation';
import { IdempotencyKey } from './idempotency-key.entity';
import { queryBuilderFor, type Db } from './kysely';
import { isRetryableTransactionError } from './pg-errors';
import { insertAll, type PendingInsert } from './statements';

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
  /** The TypeORM manager of the transaction, for code not yet moved to a store (stores take `db`). */
  tx: EntityManager;
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

const MAX_ATTEMPTS = 3;

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
        if (key !== null) {
          const claim = await claimIdempotencyKey(tx, caller.organizationId, key, request.action, requestHash);
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
          db: queryBuilderFor(tx),
          tx,
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
        await insertAll(tx, pending, request.action);
        if (key !== null) {
          await tx.update(
            IdempotencyKey,
            { organizationId: caller.organizationId, key },
            { response: store(db, payload) as never },
          );
        }
        return payload;
      });
    } catch (error) {
      if (error === ROLLBACK && rolledBack) return rolledBack;
      if (attempt < MAX_ATTEMPTS && isRetryableTransactionError(error)) {
        logger?.warn({ action: request.action, attempt }, 'transaction conflict; retrying the mutation');
        continue;
      }
      throw error;
    }
  }
}

/** Forgets idempotency keys older than the time to live; main.ts runs it periodically. */
export async function expireIdempotencyKeys(db: DataSource, ttlHours: number): Promise<void> {
  await db.query(
    `/* expireIdempotencyKeys */ DELETE FROM idempotency_key WHERE created_at < now() - make_interval(hours => $1)`,
    [ttlHours],
  );
}

type KeyClaim = { kind: 'replay'; response: unknown } | { kind: 'reused' };

/** Inserts the key, or (after any concurrent holder of it commits) reads what it stored. */
async function claimIdempotencyKey(
  tx: EntityManager,
  organizationId: string,
  key: string,
  operation: string,
  requestHash: string,
): Promise<KeyClaim | null> {
  const inserted: Array<{ key: string }> = await tx.query(
    `INSERT INTO idempotency_key (organization_id, key, operation, request_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING key`,
    [organizationId, key, operation, requestHash],
  );
  if (inserted.length > 0) return null;
  const rows: Array<{ request_hash: string; response: unknown }> = await tx.query(
    `SELECT request_hash, response FROM idempotency_key WHERE organization_id = $1 AND key = $2`,
    [organizationId, key],
  );
  const existing = rows.at(0);
  if (existing && existing.request_hash === requestHash && existing.response !== null)
    return { kind: 'replay', response: existing.response };
  return { kind: 'reused' };
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

let savepointCounter = 0;

/**
 * Runs `fn` so that if it fails only its own statements are undone and the transaction stays
 * usable: how a unique violation becomes "try the next placeholder" instead of an aborted
 * transaction.
 */
export async function savepoint<T>(tx: EntityManager, fn: () => Promise<T>): Promise<T> {
  const name = `sp_${++savepointCounter}`;
  await tx.query(`SAVEPOINT ${name}`);
  try {
    const result = await fn();
    await tx.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (error) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw error;
  }
}
