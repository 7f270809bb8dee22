// Fewer index pages written per activation. Every index an insert or update touches is one more page each
// commit writes (and, on SQLite, one more WAL frame to checkpoint), so indexes on the activation path that no
// query reads are dropped, and indexes whose rows are mostly "nothing to find" become partial:
// - events_type and container_steps_update: no query reads them;
// - containers_status: reports look for flagged and blacklisted containers, never for `ok` ones;
// - licenses_state → licenses_expiring: the reports that filter by state do so for licenses with an
//   expiration time (the state alone, eight values, never narrowed a search);
// - licenses_pre_assigned and audit_events_actor: only rows that have a value are ever looked up.

import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
type AnyDb = Kysely<any>;

export const up = async (db: AnyDb): Promise<void> => {
  await db.schema.dropIndex('events_type').execute();
  await db.schema.dropIndex('container_steps_update').execute();

  await db.schema.dropIndex('containers_status').execute();
  await db.schema
    .createIndex('containers_flagged')
    .on('containers')
    .column('status')
    .where(sql.ref('status'), '<>', sql.lit('ok'))
    .execute();

  await db.schema.dropIndex('licenses_state').execute();
  await db.schema
    .createIndex('licenses_expiring')
    .on('licenses')
    .column('resolved_expiration_time')
    .where(sql.ref('resolved_expiration_time'), 'is not', null)
    .execute();

  await db.schema.dropIndex('licenses_pre_assigned').execute();
  await db.schema
    .createIndex('licenses_pre_assigned')
    .on('licenses')
    .column('pre_assigned_container_id')
    .where(sql.ref('pre_assigned_container_id'), 'is not', null)
    .execute();

  await db.schema.dropIndex('audit_events_actor').execute();
  await db.schema
    .createIndex('audit_events_actor')
    .on('audit_events')
    .column('actor_user_id')
    .where(sql.ref('actor_user_id'), 'is not', null)
    .execute();
};

export const down = async (db: AnyDb): Promise<void> => {
  await db.schema.dropIndex('audit_events_actor').execute();
  await db.schema.createIndex('audit_events_actor').on('audit_events').column('actor_user_id').execute();
  await db.schema.dropIndex('licenses_pre_assigned').execute();
  await db.schema
    .createIndex('licenses_pre_assigned')
    .on('licenses')
    .column('pre_assigned_container_id')
    .execute();
  await db.schema.dropIndex('licenses_expiring').execute();
  await db.schema.createIndex('licenses_state').on('licenses').column('state').execute();
  await db.schema.dropIndex('containers_flagged').execute();
  await db.schema.createIndex('containers_status').on('containers').column('status').execute();
  await db.schema.createIndex('container_steps_update').on('container_steps').column('update_id').execute();
  await db.schema.createIndex('events_type').on('events').columns(['type', 'occurred_at']).execute();
};
