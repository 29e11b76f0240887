import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { runMutation, type MutationScope } from '../db';
import type { Directory } from '../directories';
import { ScimError } from '../scim';
import { assertStorable, isJsonObject } from './scim-http';

/** One authenticated SCIM request: which directory calls, and how to trace it. */
export interface ScimCall {
  directory: Directory;
  requestId: string | null;
  /** Absent outside HTTP (seed, tests): runMutation then logs nothing. */
  log?: Logger;
}

/** The audit actor of everything an IdP does through its directory's token. */
const scimActor = (directoryId: string) => `scim:${directoryId}`;

/**
 * Runs one SCIM write as one transaction with the directory as actor (so its audit events name
 * the IdP). The outcome is data: a refusal that must still leave a trace (a stored failed push,
 * a rejected push's history row) commits like a success.
 */
export async function inScimTransaction<T>(
  db: DataSource,
  call: ScimCall,
  action: string,
  execute: (m: MutationScope) => Promise<T>,
): Promise<T> {
  const caller = {
    organizationId: call.directory.organizationId,
    actor: scimActor(call.directory.id),
    requestId: call.requestId,
  };
  // The blank is never answered: a SCIM call carries no idempotency key, so the runner refuses nothing itself.
  const payload = await runMutation<{ ran: { outcome: T } | null }>(
    db,
    caller,
    { action, args: {} },
    { ran: null },
    async (m) => ({ ran: { outcome: await execute(m) }, userErrors: [] }),
    call.log,
  );
  if (payload.ran === null) throw new Error(`${action}: the runner refused a call that carries no key`);
  return payload.ran.outcome;
}

/**
 * A request body as push history may keep it: credentials removed wherever they appear (a
 * `password` attribute, or a PATCH operation whose path is `password`), and null when it holds
 * something Postgres cannot store.
 */
export function storablePayload(body: unknown): unknown {
  const redact = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(redact);
    if (!isJsonObject(value)) return value;
    const path = Object.entries(value).find(([key]) => key.toLowerCase() === 'path')?.[1];
    const credentialOperation = typeof path === 'string' && path.trim().toLowerCase() === 'password';
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key.toLowerCase() !== 'password')
        .map(([key, item]) => [
          key,
          credentialOperation && key.toLowerCase() === 'value' ? '[redacted]' : redact(item),
        ]),
    );
  };
  if (body === undefined) return null;
  const redacted = redact(body);
  try {
    assertStorable(redacted);
    return redacted;
  } catch (error) {
    if (error instanceof ScimError) return null;
    throw error;
  }
}
