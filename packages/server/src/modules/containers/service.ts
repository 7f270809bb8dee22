// The vendor's decisions about containers: look them up, blacklist one, resolve "manipulation detected",
// build a push update from Central's last known state, recycle a returned portable container, and restore
// every license of a lost container into a new one. Each runs in one transaction with its audit entries.
// Not here: the protocol bookkeeping (ledger.ts) or the license moves of everyday activation (activation/).

import { type Clock, openContext, TesseraError } from '@tessera/core';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ContainerStatus } from '../../db/schema-licensing.js';
import { type Executor, inTransaction, isoTime, type Trx } from '../../db/transaction.js';
import { canManageGroup, isIsvAdmin } from '../accounts/policy.js';
import { auditActor, type Caller } from '../accounts/service.js';
import * as licenses from '../activation/repository.js';
import type { ActivationService, CatalogView, IssuedUpdate } from '../activation/service.js';
import type { AuditLog } from '../audit/service.js';
import { containerNotFound, type Ledger } from './ledger.js';
import type { Container } from './repository.js';
import * as repo from './repository.js';

export interface ContainersDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  ledger: Ledger;
  catalog: CatalogView;
  activation: ActivationService;
}

export interface ContainerDetail {
  container: Container;
  firmItems: {
    firmCode: number;
    issuedFuc: number;
    confirmedFuc: number;
    reportedFuc: number | null;
    reportedAt: string | null;
    locked: boolean;
    licenses: { ticketLicenseId: string; generation: number; productCode: number }[];
  }[];
  licenses: licenses.LicenseRecord[];
}

export type ContainersService = ReturnType<typeof createContainersService>;

export const createContainersService = (deps: ContainersDeps) => {
  const { db, clock, audit, ledger } = deps;
  const now = () => isoTime(clock.now());

  /** A container the caller may see: ISV admins all; group admins those of their subtree; members their group's. */
  const visible = async (ex: Executor, caller: Caller, serial: string) => {
    const container = await repo.findContainer(ex, serial);
    if (!container) throw containerNotFound(serial);
    if (isIsvAdmin(caller.principal)) return container;
    const path = await licenses.groupPathOf(ex, container.groupId);
    const member = caller.principal.memberships.some((m) => m.groupId === container.groupId);
    if (path === null || !(canManageGroup(caller.principal, { path }) || member))
      throw containerNotFound(serial);
    return container;
  };

  const requireVendor = (caller: Caller, what: string) => {
    if (!isIsvAdmin(caller.principal))
      throw new TesseraError('forbidden', `Only vendor administrators (ISV admins) can ${what}.`);
  };

  const detail = async (ex: Executor, container: Container): Promise<ContainerDetail> => {
    const items = await repo.findFirmItems(ex, container.id);
    const firmItems = [];
    for (const item of items) {
      const predicted = await ledger.predictedAt(ex, item, item.issuedFuc);
      firmItems.push({
        firmCode: item.firmCode,
        issuedFuc: item.issuedFuc,
        confirmedFuc: item.confirmedFuc,
        reportedFuc: item.reportedFuc,
        reportedAt: item.reportedAt,
        locked: predicted?.locked ?? false,
        licenses: (predicted?.licenses ?? []).map((l) => ({
          ticketLicenseId: l.ticketLicenseId,
          generation: l.generation,
          productCode: l.productCode,
        })),
      });
    }
    return { container, firmItems, licenses: await licenses.licensesInContainer(ex, container.id) };
  };

  const get = async (caller: Caller, serial: string) => {
    const container = await visible(db, caller, serial);
    return detail(db, container);
  };

  const setStatus = async (
    trx: Trx,
    container: Container,
    status: ContainerStatus,
    reason: string | null,
  ) => {
    await repo.updateContainer(trx, container.id, { status, statusReason: reason, statusChangedAt: now() });
  };

  const blacklist = async (caller: Caller, serial: string, reason: string) =>
    inTransaction(db, async (trx) => {
      const container = await visible(trx, caller, serial);
      requireVendor(caller, 'blacklist containers');
      if (container.status === 'recycled') {
        throw new TesseraError('container_recycled', `Container ${serial} was recycled.`);
      }
      await deps.activation.blacklistContainer(trx, container, reason, auditActor(caller));
      return detail(trx, (await repo.findContainer(trx, serial)) as Container);
    });

  /**
   * A person's decision about a container flagged "manipulation detected". Central re-bases on the state the
   * container last reported: steps it issued beyond that state are dropped (a new epoch), licenses are moved
   * to match what the container really holds, and anything it should not hold is withdrawn at its next
   * contact. `blacklist` additionally locks it there.
   */
  const resolve = async (
    caller: Caller,
    serial: string,
    input: { decision: 'accept' | 'blacklist'; note?: string | undefined },
  ) =>
    inTransaction(db, async (trx) => {
      const container = await visible(trx, caller, serial);
      requireVendor(caller, 'resolve flagged containers');
      if (container.status !== 'manipulation_detected') {
        throw new TesseraError(
          'container_not_flagged',
          `Container ${serial} is not flagged "manipulation detected".`,
        );
      }
      const at = now();
      const items = await repo.findFirmItems(trx, container.id);
      const held = new Set<string>();
      for (const item of items) {
        const reported = item.reportedSnapshot ?? item.baselineSnapshot;
        const fuc = item.reportedFuc ?? item.baselineFuc;
        for (const l of reported.licenses) held.add(`${l.ticketLicenseId}:${l.generation}`);
        await repo.updateFirmItem(trx, item, {
          epoch: item.epoch + 1,
          baselineFuc: fuc,
          baselineSnapshot: reported,
          issuedFuc: fuc,
          confirmedFuc: fuc,
        });
      }
      for (const license of await licenses.licensesInContainer(trx, container.id)) {
        const present = held.has(`${license.id}:${license.generation}`);
        if (present && license.state !== 'confirmed') {
          await licenses.transitionLicense(
            trx,
            license.id,
            { from: [license.state], containerId: container.id },
            { state: 'confirmed' },
            at,
          );
        } else if (!present && ['collected', 'confirmed', 'returning'].includes(license.state)) {
          // It never arrived, or the container no longer has it: the license is free again.
          await licenses.transitionLicense(
            trx,
            license.id,
            { from: [license.state], containerId: container.id },
            { state: 'returned', containerId: null },
            at,
          );
        }
      }
      await setStatus(trx, container, 'ok', null);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'container.resolved',
        subject: { type: 'container', id: container.id },
        groupPath: await licenses.groupPathOf(trx, container.groupId),
        data: {
          serial,
          decision: input.decision,
          note: input.note ?? null,
          previousReason: container.statusReason,
        },
      });
      if (input.decision === 'blacklist') {
        await deps.activation.blacklistContainer(
          trx,
          { ...container, status: 'ok' },
          input.note ?? 'blacklisted after manipulation was detected',
          auditActor(caller),
        );
      }
      return detail(trx, (await repo.findContainer(trx, serial)) as Container);
    });

  /** An update built from Central's last known state, without a fresh context (DOMAIN.md §4.5). */
  const pushUpdate = async (caller: Caller, serial: string, firmCode?: number): Promise<IssuedUpdate[]> =>
    inTransaction(db, async (trx) => {
      const container = await visible(trx, caller, serial);
      requireVendor(caller, 'build push updates');
      if (container.status === 'manipulation_detected' || container.status === 'recycled') {
        throw new TesseraError(
          container.status === 'recycled' ? 'container_recycled' : 'container_manipulation_detected',
          `Container ${serial} is ${container.status.replace('_', ' ')}; no updates are built for it.`,
        );
      }
      const items = new Map(
        (await repo.findFirmItems(trx, container.id))
          .filter((item) => firmCode === undefined || item.firmCode === firmCode)
          .map((item) => [item.firmCode, item]),
      );
      if (firmCode !== undefined && !items.has(firmCode))
        items.set(firmCode, await ledger.firmItem(trx, container, firmCode));
      const updates = await deps.activation.synchronize(trx, {
        container,
        items,
        nonce: null,
        actor: auditActor(caller),
        channel: 'push',
        groupPath: await licenses.groupPathOf(trx, container.groupId),
      });
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'container.push_update_issued',
        subject: { type: 'container', id: container.id },
        groupPath: await licenses.groupPathOf(trx, container.groupId),
        data: { serial, updates: updates.map((u) => ({ firmCode: u.firmCode, updateId: u.updateId })) },
      });
      return updates;
    });

  /** A portable container the vendor got back: its licenses are released and the serial takes no more. */
  const recycle = async (caller: Caller, serial: string) =>
    inTransaction(db, async (trx) => {
      const container = await visible(trx, caller, serial);
      requireVendor(caller, 'recycle containers');
      if (container.type !== 'portable') {
        throw new TesseraError(
          'container_not_portable',
          `Only portable containers can be recycled; ${serial} is ${container.type}.`,
        );
      }
      if (container.status === 'recycled')
        throw new TesseraError('container_recycled', `Container ${serial} is already recycled.`);
      const at = now();
      const released = [];
      for (const license of await licenses.licensesInContainer(trx, container.id)) {
        if (
          await licenses.transitionLicense(
            trx,
            license.id,
            { from: ['collected', 'confirmed', 'returning'], containerId: container.id },
            { state: 'returned', containerId: null },
            at,
          )
        ) {
          released.push(license.id);
        }
      }
      await setStatus(trx, container, 'recycled', 'returned to the vendor');
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'container.recycled',
        subject: { type: 'container', id: container.id },
        groupPath: await licenses.groupPathOf(trx, container.groupId),
        data: { serial, released },
      });
      return detail(trx, (await repo.findContainer(trx, serial)) as Container);
    });

  /**
   * Whole-container restore: every Central-issued license of a lost container goes into a new one as its next
   * generation, in one update, and the lost container is blacklisted (it is locked at its next contact).
   * Vendor-only, so per-license reactivation limits do not apply.
   */
  const restore = async (caller: Caller, serial: string, input: { context: string }) => {
    const opened = openContext(input.context);
    const into = opened.context.serial;
    if (into === serial) {
      throw new TesseraError('validation_failed', 'The new container must differ from the lost one.', {
        field: 'context',
      });
    }
    const outcome = await inTransaction(db, async (trx) => {
      const lost = await visible(trx, caller, serial);
      requireVendor(caller, 'restore whole containers');
      const held = (await licenses.licensesInContainer(trx, lost.id)).filter((l) =>
        ['collected', 'confirmed', 'returning'].includes(l.state),
      );
      if (held.length === 0) {
        throw new TesseraError('nothing_to_restore', `Central has no license in container ${serial}.`, {
          field: 'serial',
        });
      }
      const actor = auditActor(caller);
      const contact = await ledger.contact(trx, opened, {
        firmCodes: [...new Set(held.map((l) => l.firmCode))],
        actor,
        channel: 'online',
      });
      if (contact.kind === 'manipulation') return { manipulation: contact.reason };
      let { container } = contact;
      if (container.status !== 'ok') {
        throw new TesseraError(
          'container_not_usable',
          `Container ${into} is ${container.status.replace('_', ' ')}.`,
          { field: 'context' },
        );
      }
      if (container.groupId === null && lost.groupId !== null) {
        await repo.updateContainer(trx, container.id, { groupId: lost.groupId });
        container = { ...container, groupId: lost.groupId };
      }
      const at = now();
      const groupPath = await licenses.groupPathOf(trx, lost.groupId);
      for (const license of held) {
        const moved = await licenses.transitionLicense(
          trx,
          license.id,
          { from: [license.state], containerId: lost.id, generation: license.generation },
          {
            state: 'collected',
            containerId: container.id,
            generation: license.generation + 1,
            lastReactivatedAt: at,
          },
          at,
        );
        if (!moved)
          throw new TesseraError('concurrent_update', `License ${license.id} changed meanwhile; retry.`);
        await audit.record(trx, {
          actor,
          action: 'license.reactivated',
          subject: { type: 'license', id: license.id },
          groupPath,
          data: {
            serial: into,
            fromSerial: serial,
            generation: license.generation + 1,
            channel: 'admin',
            restore: true,
            fromState: license.state,
            toState: 'collected',
          },
        });
      }
      await deps.activation.blacklistContainer(trx, lost, `restored into ${into}`, actor);
      await audit.record(trx, {
        actor,
        action: 'container.restored',
        subject: { type: 'container', id: lost.id },
        groupPath,
        data: { serial, into, licenses: held.map((l) => l.id) },
      });
      const activations = await licenses.findLicenses(
        trx,
        held.map((l) => l.id),
      );
      const updates = await deps.activation.synchronize(trx, {
        container,
        items: contact.items,
        activations,
        nonce: opened.context.nonce,
        actor,
        channel: 'online',
        groupPath,
      });
      return {
        ok: {
          serial: into,
          updates,
          licenses: activations.map((l) => ({
            id: l.id,
            productCode: l.productCode,
            firmCode: l.firmCode,
            generation: l.generation,
            state: l.state,
          })),
        },
      };
    });
    if ('manipulation' in outcome) {
      throw new TesseraError(
        'container_manipulation_detected',
        `Container ${into} ${outcome.manipulation}; it is flagged "manipulation detected".`,
      );
    }
    return outcome.ok;
  };

  const list = async (
    caller: Caller,
    filter: {
      status?: ContainerStatus | undefined;
      serialPrefix?: string | undefined;
      groupId?: string | undefined;
    },
    page: { after?: string | undefined; limit: number },
  ) => {
    let query = db
      .selectFrom('containers')
      .leftJoin('groups', 'groups.id', 'containers.group_id')
      .selectAll('containers')
      .select('groups.path as group_path');
    if (!isIsvAdmin(caller.principal)) {
      const paths = caller.principal.memberships.filter((m) => m.role === 'admin').map((m) => m.groupPath);
      const memberOf = caller.principal.memberships.map((m) => m.groupId);
      if (paths.length === 0 && memberOf.length === 0) return [];
      query = query.where((eb) =>
        eb.or([
          ...paths.map((p) => eb('groups.path', 'like', `${p}%`)),
          ...(memberOf.length > 0 ? [eb('containers.group_id', 'in', memberOf)] : []),
        ]),
      );
    }
    if (filter.status) query = query.where('containers.status', '=', filter.status);
    if (filter.serialPrefix)
      query = query.where('containers.serial', 'like', `${filter.serialPrefix.replace(/[%_]/g, '')}%`);
    if (filter.groupId) query = query.where('containers.group_id', '=', filter.groupId);
    if (page.after) query = query.where('containers.id', '>', page.after);
    const rows = await query
      .orderBy('containers.id')
      .limit(page.limit + 1)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      serial: row.serial,
      type: row.type,
      publicKey: row.public_key,
      status: row.status,
      statusReason: row.status_reason,
      statusChangedAt: row.status_changed_at,
      groupId: row.group_id,
      createdAt: row.created_at,
      lastContactAt: row.last_contact_at,
    }));
  };

  return { get, list, blacklist, resolve, pushUpdate, recycle, restore };
};
