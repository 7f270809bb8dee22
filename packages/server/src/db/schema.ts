// The table interfaces Kysely checks every query against. One schema for both dialects: ids are UUIDv7 text,
// times are ISO-8601 UTC text (`2026-01-01T00:00:00.000Z`, which sorts lexicographically), booleans are
// integers 0/1 and JSON is text. Later modules add their tables here next to their migrations.

import type { LicensingTables } from './schema-licensing.js';

export type GroupKind = 'vendor' | 'reseller' | 'customer';
export type Role = 'admin' | 'member';
export type UserStatus = 'active' | 'disabled';

export interface GroupTable {
  id: string;
  parent_id: string | null;
  /** The customer number an ERP or shop knows this group by (migration 0002). */
  external_id: string | null;
  /** Materialized path `/rootId/…/id/`: a subtree is every row whose path starts with its root's path. */
  path: string;
  name: string;
  kind: GroupKind;
  created_at: string;
  updated_at: string;
}

export interface UserTable {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  name: string;
  /** `scrypt$N$r$p$salt$hash`; null for a user who never set a password. */
  password_hash: string | null;
  status: UserStatus;
  created_at: string;
  updated_at: string;
}

export interface MembershipTable {
  id: string;
  user_id: string;
  group_id: string;
  role: Role;
  created_at: string;
  updated_at: string;
}

export interface SessionTable {
  id: string;
  user_id: string;
  /** SHA-256 (hex) of the cookie secret; the secret itself is never stored. */
  secret_hash: string;
  created_at: string;
  last_seen_at: string;
  idle_expires_at: string;
  expires_at: string;
  client_address: string | null;
  user_agent: string | null;
}

export interface ApiTokenTable {
  id: string;
  user_id: string;
  name: string;
  /** Non-secret start of the token (`tsr_AbCd1234`) shown in lists so people can tell tokens apart. */
  prefix: string;
  secret_hash: string;
  /** JSON array of scope names. */
  scopes: string;
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface InvitationTable {
  id: string;
  group_id: string;
  email: string;
  role: Role;
  secret_hash: string;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_user_id: string | null;
  revoked_at: string | null;
}

export interface LoginAttemptTable {
  /** `email:<address>` or `client:<ip>`. */
  key: string;
  failures: number;
  window_started_at: string;
  locked_until: string | null;
  updated_at: string;
}

export interface AuditEventTable {
  id: string;
  at: string;
  actor_user_id: string | null;
  actor_token_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  /** Path of the group the event concerns, so group admins can read the events of their subtree. */
  group_path: string | null;
  /** JSON object. */
  data: string;
  request_id: string | null;
}

export interface Database extends LicensingTables {
  groups: GroupTable;
  users: UserTable;
  memberships: MembershipTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  invitations: InvitationTable;
  login_attempts: LoginAttemptTable;
  audit_events: AuditEventTable;
}
