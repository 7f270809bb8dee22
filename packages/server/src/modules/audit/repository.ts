// Queries on the append-only audit log: insert and read, nothing else — there is deliberately no update or
// delete here, so no code path can rewrite history.

import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { preparedRowsInsert } from '../../db/prepared.js';
import type { AuditEventTable } from '../../db/schema.js';
import type { Executor } from '../../db/transaction.js';
import type { PageRequest } from '../../http/pagination.js';

export interface AuditEvent {
  id: string;
  at: string;
  actorUserId: string | null;
  actorTokenId: string | null;
  action: string;
  subjectType: string;
  subjectId: string | null;
  groupPath: string | null;
  data: Record<string, unknown>;
  requestId: string | null;
}

export interface AuditFilter {
  /** Subtrees (group paths) the reader may see; undefined = everything. */
  subtreePaths?: string[];
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  actorUserId?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const auditColumns = [
  'id',
  'at',
  'actor_user_id',
  'actor_token_id',
  'action',
  'subject_type',
  'subject_id',
  'group_path',
  'data',
  'request_id',
] as const satisfies readonly (keyof AuditEventTable)[];

const insertRows = preparedRowsInsert('audit_events', auditColumns);

export const insertAuditEvents = async (ex: Executor, events: AuditEvent[]): Promise<void> => {
  await insertRows(
    ex,
    events.map((event) => ({
      id: event.id,
      at: event.at,
      actor_user_id: event.actorUserId,
      actor_token_id: event.actorTokenId,
      action: event.action,
      subject_type: event.subjectType,
      subject_id: event.subjectId,
      group_path: event.groupPath,
      data: JSON.stringify(event.data),
      request_id: event.requestId,
    })),
  );
};

const subtreeCondition = (paths: string[]): RawBuilder<SqlBool> =>
  paths.length === 0
    ? sql<SqlBool>`1 = 0`
    : sql<SqlBool>`(${sql.join(
        paths.map((path) => sql`audit_events.group_path like ${`${path}%`}`),
        sql` or `,
      )})`;

/** Newest first; the cursor key is the id of the last event of the previous page. */
export const listAuditEvents = async (
  ex: Executor,
  filter: AuditFilter,
  page: PageRequest,
): Promise<AuditEvent[]> => {
  let query = ex
    .selectFrom('audit_events')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (filter.subtreePaths !== undefined) query = query.where(subtreeCondition(filter.subtreePaths));
  if (filter.subjectType !== undefined) query = query.where('subject_type', '=', filter.subjectType);
  if (filter.subjectId !== undefined) query = query.where('subject_id', '=', filter.subjectId);
  if (filter.actorUserId !== undefined) query = query.where('actor_user_id', '=', filter.actorUserId);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('at', '<', filter.to);
  if (page.after !== undefined) query = query.where('id', '<', page.after);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    actorUserId: row.actor_user_id,
    actorTokenId: row.actor_token_id,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    groupPath: row.group_path,
    data: JSON.parse(row.data) as Record<string, unknown>,
    requestId: row.request_id,
  }));
};
