// The audit log: every state-changing service calls record() inside its own transaction, so the change and
// its entry commit together or not at all (DESIGN.md §3, invariant 6). Reading is for admins: ISV admins see
// every event, a group admin sees the events recorded against groups in the subtree it manages.

import type { Clock } from '@tessera/core';
import { batchedInserts, type Executor, isoTime, newId, type Trx } from '../../db/transaction.js';
import { type Page, type PageRequest, toPage } from '../../http/pagination.js';
import { forbidden, isAnyAdmin, isIsvAdmin, managedPaths, type Principal } from '../accounts/policy.js';
import { type AuditEvent, type AuditFilter, insertAuditEvents, listAuditEvents } from './repository.js';

/** Who did it: taken from the request's principal; all null for the system itself (bootstrap, jobs). */
export interface AuditActor {
  userId: string | null;
  tokenId: string | null;
  requestId: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, tokenId: null, requestId: null };

export interface AuditEntry {
  actor: AuditActor;
  /** `<subject>.<verb in past tense>`, e.g. `group.created`, `api_token.revoked`. */
  action: string;
  subject: { type: string; id: string | null };
  /** Path of the group the event concerns; lets that group's admins read it. */
  groupPath?: string | null;
  data?: Record<string, unknown>;
}

export interface AuditLog {
  /** Takes a transaction (not a bare database) on purpose: an entry outside the change's transaction is a bug. */
  record(trx: Trx, entry: AuditEntry): Promise<void>;
  list(
    ex: Executor,
    principal: Principal,
    filter: Omit<AuditFilter, 'subtreePaths'>,
    page: PageRequest,
  ): Promise<Page<AuditEvent>>;
}

// Entries of one transaction are inserted together just before it commits.
const appendAuditEvent = batchedInserts<AuditEvent>(insertAuditEvents);

export const createAuditLog = (clock: Clock): AuditLog => ({
  record: async (trx, entry) => {
    await appendAuditEvent(trx, {
      id: newId(),
      at: isoTime(clock.now()),
      actorUserId: entry.actor.userId,
      actorTokenId: entry.actor.tokenId,
      action: entry.action,
      subjectType: entry.subject.type,
      subjectId: entry.subject.id,
      groupPath: entry.groupPath ?? null,
      data: entry.data ?? {},
      requestId: entry.actor.requestId,
    });
  },
  list: async (ex, principal, filter, page) => {
    if (!isAnyAdmin(principal)) throw forbidden('Only group admins can read the audit log.');
    const scoped: AuditFilter = isIsvAdmin(principal)
      ? filter
      : { ...filter, subtreePaths: managedPaths(principal) };
    return toPage(await listAuditEvents(ex, scoped, page), page, (event) => event.id);
  },
});

export type { AuditEvent };
