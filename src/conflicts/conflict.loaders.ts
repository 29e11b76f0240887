import type DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped } from '../db/loaders';
import { selectRows } from '../db/statements';
import { Conflict } from './conflict.entity';
import type { ConflictStatus } from './conflict.enums';
import type { RemediationFacts } from './remediation';

type Related = 'account' | 'scimRecord' | 'directory';

export function createConflictLoaders(db: DataSource, organizationId: string) {
  /** Conflicts of the organization matching `where` ($1: the keys), optionally of one status, newest first. */
  const conflicts = (comment: string, where: string, keys: string[], status: ConflictStatus | undefined) =>
    selectRows(
      db,
      Conflict,
      comment,
      `${where} AND organization_id = $2${status ? ' AND status = $3' : ''}`,
      status ? [keys, organizationId, status] : [keys, organizationId],
      { orderBy: 'detected_at DESC, id DESC' },
    );

  // Conflicts naming an account either way round (the record's account, or the one holding the email).
  const byRelated: Record<Related, (status?: ConflictStatus) => DataLoader<string, Conflict[]>> = {
    account: memoByStatus((status) =>
      loaderGrouped(
        (ids) =>
          conflicts(
            'loader:conflictsByAccount',
            '(account_id = ANY($1::uuid[]) OR conflicting_account_id = ANY($1::uuid[]))',
            ids,
            status,
          ),
        (conflict) => [
          conflict.accountId,
          conflict.conflictingAccountId === conflict.accountId ? null : conflict.conflictingAccountId,
        ],
      ),
    ),
    scimRecord: memoByStatus((status) =>
      loaderGrouped(
        (ids) => conflicts('loader:conflictsByRecord', 'scim_record_id = ANY($1::uuid[])', ids, status),
        (conflict) => [conflict.scimRecordId],
      ),
    ),
    directory: memoByStatus((status) =>
      loaderGrouped(
        (ids) => conflicts('loader:conflictsByDirectory', 'directory_id = ANY($1::uuid[])', ids, status),
        (conflict) => [conflict.directoryId],
      ),
    ),
  };

  return {
    byId: loaderById((ids) => conflicts('loader:conflictById', 'id = ANY($1::uuid[])', ids, undefined)),
    byRelated,
    remediationFacts: loaderById(async (ids): Promise<Array<Omit<RemediationFacts, 'conflict'> & { id: string }>> => {
      const rows: Array<Record<string, unknown>> = await db.query(
        `/* loader:remediationFacts */ SELECT c.id,
                EXISTS (SELECT 1 FROM scim_record held WHERE held.account_id = c.conflicting_account_id) AS holder_idp_managed,
                EXISTS (SELECT 1 FROM scim_record own WHERE own.account_id = c.account_id) AS account_idp_managed,
                r.account_id IS NOT NULL AS record_linked,
                dom.id AS domain_id, dom.name AS domain_name, dom.status AS domain_status,
                dir.sso_email_attribute, dir.scim_email_attribute
           FROM conflict c
           LEFT JOIN scim_record r ON r.id = c.scim_record_id
           LEFT JOIN directory dir ON dir.id = c.directory_id
           LEFT JOIN domain dom ON dom.organization_id = c.organization_id
                 AND (dom.id = c.domain_id OR (c.domain_id IS NULL AND dom.name = split_part(lower(c.email), '@', 2)))
          WHERE c.id = ANY($1::uuid[]) AND c.organization_id = $2`,
        [ids, organizationId],
      );
      return rows.map((row) => ({
        id: row.id as string,
        conflictingAccountIdpManaged: row.holder_idp_managed === true,
        accountIdpManaged: row.account_idp_managed === true,
        recordLinked: row.record_linked === true,
        domain: row.domain_id
          ? { id: row.domain_id as string, name: row.domain_name as string, status: row.domain_status as string }
          : null,
        directory: row.sso_email_attribute
          ? {
              ssoEmailAttribute: row.sso_email_attribute as string,
              scimEmailAttribute: row.scim_email_attribute as string,
            }
          : null,
      }));
    }),
  };
}

/** One loader per status filter, created on first use within the request. */
function memoByStatus(create: (status?: ConflictStatus) => DataLoader<string, Conflict[]>) {
  const loaders = new Map<string, DataLoader<string, Conflict[]>>();
  return (status?: ConflictStatus) => {
    const key = status ?? 'ANY';
    let loader = loaders.get(key);
    if (!loader) loaders.set(key, (loader = create(status)));
    return loader;
  };
}
