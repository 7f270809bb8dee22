// Central's ledger of containers (DESIGN.md §3 invariants 2 and 6): it pins a container's key at first
// contact, compares every context with the states it issued, infers receipts from later contexts, flags
// states it never issued as "manipulation detected", and issues update steps — signing the licenses, storing
// each step verbatim for multi-step catch-up, and predicting the state it produces.
// Not here: which licenses should move (activation/planner.ts), HTTP, or authorization.

import {
  type Clock,
  type Envelope,
  emptySnapshot,
  type FirmItemSnapshot,
  firmItemInContext,
  type KeyPair,
  type LicenseSummary,
  type OpenedContext,
  type Operation,
  projectStep,
  type SnapshotChange,
  sameSnapshot,
  signLicense,
  signUpdate,
  TesseraError,
} from '@tessera/core';
import type { ContainerTypeName, StepChannel } from '../../db/schema-licensing.js';
import { type Executor, isoTime, newId, type Trx } from '../../db/transaction.js';
import type { StepIntent } from '../activation/planner.js';
import * as licenses from '../activation/repository.js';
import type { AuditActor, AuditLog } from '../audit/service.js';
import { resolveLicenseOptions } from '../catalog/license-template.js';
import type { EventSink } from '../events/service.js';
import type { Container, FirmItemRecord, StepEffect, StepRecord } from './repository.js';
import * as repo from './repository.js';

/** What the ledger needs from the catalog's firm keys. */
export interface SigningKeys {
  signingKey(ex: Executor, firmCode: number): Promise<{ keyId: string; key: KeyPair }>;
  rotationChain(ex: Executor, firmCode: number, fromKeyId: string): Promise<Envelope[]>;
}

export interface LedgerDeps {
  clock: Clock;
  audit: AuditLog;
  events: EventSink;
  keys: SigningKeys;
}

export type ContactOutcome =
  | {
      kind: 'ok';
      container: Container;
      items: Map<number, FirmItemRecord>;
      /** true when this contact registered the container: Central has nothing else on record for it */
      registered: boolean;
    }
  | { kind: 'manipulation'; container: Container; firmCode: number; reason: string };

const SERIAL_TYPES: Record<string, ContainerTypeName> = { '130': 'machine', '3': 'portable', '128': 'cloud' };

export const containerTypeOfSerial = (serial: string): ContainerTypeName | undefined =>
  SERIAL_TYPES[serial.split('-')[0] ?? ''];

export const containerNotFound = (serial: string) =>
  new TesseraError('container_not_found', `No container ${serial} exists or is visible to you.`, { serial });

/** Another transaction changed the same firm item first; the runtime retries. */
const concurrentUpdate = (item: FirmItemRecord, serial = `with id ${item.containerId}`) =>
  new TesseraError('concurrent_update', `Another request is updating container ${serial}; retry.`);

export type Ledger = ReturnType<typeof createLedger>;

export const createLedger = (deps: LedgerDeps) => {
  const { clock, audit, events } = deps;
  const now = () => isoTime(clock.now());

  const defaultItem = (containerId: string, firmCode: number): FirmItemRecord => ({
    containerId,
    firmCode,
    epoch: 0,
    baselineFuc: 0,
    baselineSnapshot: emptySnapshot(firmCode),
    issuedFuc: 0,
    confirmedFuc: 0,
    pinnedKeyId: null,
    reportedFuc: null,
    reportedSnapshot: null,
    reportedAt: null,
  });

  /** The state Central issued for FUC `fuc`, or undefined when it never issued that FUC. */
  const predictedAt = async (
    ex: Executor,
    item: FirmItemRecord,
    fuc: number,
  ): Promise<FirmItemSnapshot | undefined> => {
    if (fuc === item.baselineFuc) return item.baselineSnapshot;
    if (fuc < item.baselineFuc || fuc > item.issuedFuc) return undefined;
    return (await repo.findStepAt(ex, item, fuc))?.snapshotAfter;
  };

  /**
   * The container row for a serial, locked for this transaction; created (and its key pinned) at first contact.
   * `likelyNew` (an activation, usually a container's first contact) tries the insert first, which saves the
   * lookup when the container is indeed new.
   */
  const register = async (
    trx: Trx,
    serial: string,
    type: ContainerTypeName,
    publicKey: string | null,
    actor: AuditActor,
    options: { groupId?: string | null; contact?: boolean; likelyNew?: boolean } = {},
  ): Promise<Container & { registered?: boolean }> => {
    const known = async () => {
      const found = await repo.findContainerForContact(trx, serial);
      if (found) licenses.rememberGroupPath(trx, found.container.groupId, found.groupPath);
      return found?.container;
    };
    if (!options.likelyNew) {
      const existing = await known();
      if (existing) return existing;
    }
    const at = now();
    const fresh: Container = {
      id: newId(),
      serial,
      type,
      publicKey,
      status: 'ok',
      statusReason: null,
      statusChangedAt: null,
      groupId: options.groupId ?? null,
      createdAt: at,
      lastContactAt: options.contact ? at : null,
    };
    if (!(await repo.insertContainerIfAbsent(trx, fresh))) {
      // Known already, or a concurrent first contact of the same container won: continue with its row.
      const winner = await known();
      if (!winner) throw new Error(`container ${serial} vanished after a conflicting insert`);
      return winner;
    }
    await audit.record(trx, {
      actor,
      action: 'container.registered',
      subject: { type: 'container', id: fresh.id },
      data: { serial, type },
    });
    return { ...fresh, registered: true };
  };

  const flag = async (
    trx: Trx,
    container: Container,
    firmCode: number,
    reason: string,
    actor: AuditActor,
  ) => {
    const at = now();
    await repo.updateContainer(trx, container.id, {
      status: 'manipulation_detected',
      statusReason: reason,
      statusChangedAt: at,
      lastContactAt: at,
    });
    const groupPath = await licenses.groupPathOf(trx, container.groupId);
    await audit.record(trx, {
      actor,
      action: 'container.manipulation_detected',
      subject: { type: 'container', id: container.id },
      groupPath,
      data: { serial: container.serial, firmCode, reason },
    });
    await events.emit(trx, {
      type: 'container.manipulation_detected',
      subject: { type: 'container', id: container.id },
      groupPath,
      data: { serial: container.serial, firmCode, reason },
    });
    return { ...container, status: 'manipulation_detected' as const, statusReason: reason };
  };

  /**
   * What a confirmed step does to a ticket license: the states it leaves and reaches, and what it records.
   * A license that has moved on meanwhile (withdrawn, reactivated elsewhere) is left alone.
   */
  const CONFIRMATIONS = {
    activate: { from: 'collected', to: 'confirmed', action: 'license.confirmed', releases: false },
    deactivate: { from: 'returning', to: 'returned', action: 'license.returned', releases: true },
  } as const;

  /** Moves ticket licenses along for the steps a context proved applied. */
  const applyConfirmedEffects = async (
    trx: Trx,
    container: Container,
    steps: StepRecord[],
    actor: AuditActor,
    channel: string,
  ) => {
    const at = now();
    const groupPath = await licenses.groupPathOf(trx, container.groupId);
    for (const step of steps) {
      for (const effect of step.effects) {
        if ((effect.kind === 'activate' || effect.kind === 'deactivate') && effect.licenseId) {
          const rule = CONFIRMATIONS[effect.kind];
          const moved = await licenses.transitionLicense(
            trx,
            effect.licenseId,
            {
              from: [rule.from],
              containerId: container.id,
              ...(effect.kind === 'activate' && effect.generation !== undefined
                ? { generation: effect.generation }
                : {}),
            },
            { state: rule.to, ...(rule.releases ? { containerId: null } : {}) },
            at,
          );
          if (!moved) continue;
          const subject = { type: 'license', id: effect.licenseId };
          const data = {
            serial: container.serial,
            generation: effect.generation,
            channel,
            fromState: rule.from,
            toState: rule.to,
          };
          await audit.record(trx, { actor, action: rule.action, subject, groupPath, data });
          await events.emit(trx, { type: rule.action, subject, groupPath, data });
        } else if (effect.kind === 'withdraw' && effect.licenseId) {
          await audit.record(trx, {
            actor,
            action: 'license.removal_confirmed',
            subject: { type: 'license', id: effect.licenseId },
            groupPath,
            data: { serial: container.serial, generation: effect.generation, channel },
          });
        } else if (effect.kind === 'lock') {
          await audit.record(trx, {
            actor,
            action: 'container.lock_confirmed',
            subject: { type: 'container', id: container.id },
            groupPath,
            data: { serial: container.serial, firmCode: step.firmCode },
          });
        }
      }
    }
  };

  /**
   * Takes in a verified context: registers or checks the container, compares each firm item of interest with
   * what Central issued, records the report and confirms the steps it proves. A state Central never issued
   * flags the container; the caller must commit that and refuse the request.
   */
  const contact = async (
    trx: Trx,
    opened: OpenedContext,
    options: {
      firmCodes: readonly number[];
      actor: AuditActor;
      channel: string;
      /** the customer group a container seen for the first time belongs to */
      groupId?: string | null;
      /** the container is probably seen for the first time (an activation): register it insert-first */
      likelyNew?: boolean;
    },
  ): Promise<ContactOutcome> => {
    const { context } = opened;
    const serialType = containerTypeOfSerial(context.serial);
    if (serialType === undefined || serialType !== context.containerType || serialType === 'cloud') {
      throw new TesseraError(
        'container_type_mismatch',
        `Serial ${context.serial} does not belong to a ${context.containerType} container that can contact Central this way.`,
        { field: 'context' },
      );
    }
    const { registered, ...registeredContainer } = await register(
      trx,
      context.serial,
      serialType,
      context.containerKey,
      options.actor,
      {
        groupId: options.groupId ?? null,
        contact: true,
        likelyNew: options.likelyNew ?? false,
      },
    );
    let container: Container = registeredContainer;
    if (container.publicKey === null) {
      // Known from an order (pre-assigned licenses) but never seen: pin its key now.
      await repo.updateContainer(trx, container.id, { publicKey: context.containerKey });
      container = { ...container, publicKey: context.containerKey };
    } else if (container.publicKey !== context.containerKey) {
      throw new TesseraError(
        'container_key_mismatch',
        `The context is signed by a key other than the one Central pinned for container ${context.serial}.`,
        { serial: context.serial },
      );
    }
    if (!(await repo.rememberNonce(trx, container.id, context.nonce, now()))) {
      throw new TesseraError(
        'context_replayed',
        `This context of container ${context.serial} was sent before; nothing changed. Write a new context (or receipt) and send that.`,
        { field: 'context' },
      );
    }
    if (container.status === 'recycled') {
      throw new TesseraError(
        'container_recycled',
        `Container ${context.serial} was recycled and takes no more licenses.`,
      );
    }
    if (container.status === 'manipulation_detected') {
      throw new TesseraError(
        'container_manipulation_detected',
        `Container ${context.serial} is flagged "manipulation detected"; an administrator must resolve it first.`,
        { serial: context.serial },
      );
    }

    // A container registered just now has no firm items at Central yet.
    const known = new Map(
      (registered ? [] : await repo.findFirmItems(trx, container.id)).map((item) => [item.firmCode, item]),
    );
    // Check every firm item the request needs, and every one Central has issued steps for.
    const interest = new Set<number>([...options.firmCodes, ...known.keys()]);
    const items = new Map<number, FirmItemRecord>();
    const at = now();
    for (const firmCode of [...interest].sort((a, b) => a - b)) {
      const reported = firmItemInContext(context, firmCode);
      if (!reported) {
        if (options.firmCodes.includes(firmCode)) {
          throw new TesseraError(
            'context_missing_firm_item',
            `The context does not report firm code ${firmCode}; write it without a firm code filter or with --firm-code ${firmCode}.`,
            { field: 'context', firmCode },
          );
        }
        continue;
      }
      const existing = known.get(firmCode);
      const isNew = existing === undefined;
      const item = existing ?? defaultItem(container.id, firmCode);
      // The steps this context proves, fetched once: the last one's state is what the container must report.
      let proven: StepRecord[] = [];
      let expected: FirmItemSnapshot | undefined;
      if (reported.fuc > item.confirmedFuc && reported.fuc <= item.issuedFuc) {
        proven = await repo.findSteps(trx, item, { after: item.confirmedFuc, upTo: reported.fuc });
        const last = proven[proven.length - 1];
        expected = last?.toFuc === reported.fuc ? last.snapshotAfter : undefined;
      } else if (reported.fuc >= item.confirmedFuc) {
        expected = await predictedAt(trx, item, reported.fuc);
      }
      if (!expected || !sameSnapshot(expected, reported)) {
        // Keep what the container claims: the person resolving the flag decides on exactly this state.
        const claim = { reportedFuc: reported.fuc, reportedSnapshot: reported, reportedAt: at };
        if (isNew) await repo.insertFirmItem(trx, { ...item, ...claim });
        else await repo.updateFirmItem(trx, item, claim);
        const reason =
          reported.fuc < item.confirmedFuc
            ? `reports FUC ${reported.fuc} for firm code ${firmCode}, below FUC ${item.confirmedFuc} it already confirmed (an older copy of the container)`
            : expected
              ? `reports contents for firm code ${firmCode} at FUC ${reported.fuc} that differ from what Central issued`
              : `reports FUC ${reported.fuc} for firm code ${firmCode}, which Central never issued (issued up to ${item.issuedFuc})`;
        return {
          kind: 'manipulation',
          firmCode,
          reason,
          container: await flag(trx, container, firmCode, reason, options.actor),
        };
      }
      if (proven.length > 0) {
        await repo.confirmSteps(
          trx,
          proven.filter((s) => s.confirmedAt === null).map((s) => s.id),
          at,
        );
        await applyConfirmedEffects(trx, container, proven, options.actor, options.channel);
      }
      const confirmedFuc = Math.max(item.confirmedFuc, reported.fuc);
      const report = { confirmedFuc, reportedFuc: reported.fuc, reportedSnapshot: reported, reportedAt: at };
      // A firm item Central sees for the first time is written by issue(), with the step it issues, if any.
      if (!isNew) await repo.updateFirmItem(trx, item, report);
      items.set(firmCode, { ...item, ...report, ...(isNew ? { unsaved: true } : {}) });
    }
    if (!registered) await repo.updateContainer(trx, container.id, { lastContactAt: at });
    return {
      kind: 'ok',
      container: { ...container, lastContactAt: at },
      items,
      registered: registered === true,
    };
  };

  /** Central's record of a firm item, empty (and written by issue()) when Central has not programmed it yet. */
  const firmItem = async (trx: Trx, container: Container, firmCode: number): Promise<FirmItemRecord> => {
    const existing = (await repo.findFirmItems(trx, container.id)).find((item) => item.firmCode === firmCode);
    return existing ?? { ...defaultItem(container.id, firmCode), unsaved: true };
  };

  /** Writes a firm item contact() or firmItem() left unsaved, as it is. */
  const save = async (trx: Trx, item: FirmItemRecord): Promise<void> => {
    if (item.unsaved && !(await repo.insertFirmItemIfAbsent(trx, item))) throw concurrentUpdate(item);
  };

  const summaryOf = (signed: ReturnType<typeof signLicense>): LicenseSummary => ({
    ticketLicenseId: signed.license.ticketLicenseId,
    generation: signed.license.generation,
    productCode: signed.license.productCode,
    digest: signed.digest,
  });

  /**
   * Issues the next update for one firm item: every step the container has not confirmed yet (catch-up),
   * plus a new step for `intents` when there are any. Returns the update file's text, or null when there is
   * nothing to send. Every firm item a contact reported goes through here, so this is also where a firm item
   * Central sees for the first time is written.
   */
  const issue = async (
    trx: Trx,
    request: {
      container: Container;
      item: FirmItemRecord;
      intents: readonly StepIntent[];
      channel: StepChannel;
      nonce: string | null;
      actor: AuditActor;
    },
  ): Promise<{ update: string; updateId: string; toFuc: number } | null> => {
    const { container, item, intents } = request;
    const firmCode = item.firmCode;
    // Nothing new and nothing unconfirmed: no update (and no need to open the firm key).
    if (intents.length === 0 && item.issuedFuc <= item.confirmedFuc) {
      await save(trx, item);
      return null;
    }
    const catchUp =
      item.issuedFuc > item.confirmedFuc ? await repo.findSteps(trx, item, { after: item.confirmedFuc }) : [];
    const updateId = newId();
    const issuedAt = clock.now();
    const { keyId, key } = await deps.keys.signingKey(trx, firmCode);
    const steps = catchUp.map((step) => ({
      fromFuc: step.fromFuc,
      toFuc: step.toFuc,
      operations: step.operations,
    }));
    let toFuc = item.issuedFuc;

    if (intents.length > 0) {
      const base = await predictedAt(trx, item, item.issuedFuc);
      if (!base)
        throw new Error(`no prediction for ${container.serial} firm ${firmCode} at FUC ${item.issuedFuc}`);
      const operations: Operation[] = [];
      const changes: SnapshotChange[] = [];
      const effects: StepEffect[] = [];
      const sign = (license: licenses.LicenseRecord) =>
        signLicense(
          {
            serial: container.serial,
            firmCode,
            productCode: license.productCode,
            ticketLicenseId: license.id,
            generation: license.generation,
            issuedAt: issuedAt.toISOString(),
            options: resolveLicenseOptions(license.template, issuedAt, license.resolvedExpirationTime),
            modules: license.modules,
          },
          key,
        );
      for (const intent of intents) {
        switch (intent.op) {
          case 'add': {
            const signed = sign(intent.license);
            operations.push({ op: 'add_license', license: signed.envelope });
            changes.push({ op: 'add_license', license: summaryOf(signed) });
            effects.push({
              kind: 'activate',
              licenseId: intent.license.id,
              generation: intent.license.generation,
            });
            break;
          }
          case 'replace': {
            const signed = sign(intent.license);
            operations.push({
              op: 'replace_license',
              ticketLicenseId: intent.replacedTicketLicenseId,
              license: signed.envelope,
            });
            changes.push({
              op: 'replace_license',
              ticketLicenseId: intent.replacedTicketLicenseId,
              license: summaryOf(signed),
            });
            effects.push({
              kind: 'withdraw',
              licenseId: intent.replacedTicketLicenseId,
              generation: intent.replacedGeneration,
            });
            effects.push({
              kind: 'activate',
              licenseId: intent.license.id,
              generation: intent.license.generation,
            });
            break;
          }
          case 'remove':
            operations.push({ op: 'remove_license', ticketLicenseId: intent.ticketLicenseId });
            changes.push({ op: 'remove_license', ticketLicenseId: intent.ticketLicenseId });
            effects.push({
              kind: intent.reason,
              licenseId: intent.ticketLicenseId,
              generation: intent.generation,
            });
            break;
          case 'lock':
            operations.push({ op: 'lock_firm_item', reason: intent.reason });
            changes.push({ op: 'lock_firm_item' });
            effects.push({ kind: 'lock' });
            break;
          case 'honeypot':
            operations.push({ op: 'write_honeypot', marker: intent.marker });
            changes.push({ op: 'write_honeypot' });
            break;
        }
      }
      const step: StepRecord = {
        id: newId(),
        containerId: container.id,
        firmCode,
        epoch: item.epoch,
        fromFuc: item.issuedFuc,
        toFuc: item.issuedFuc + 1,
        updateId,
        operations,
        effects,
        snapshotAfter: projectStep(base, changes),
        channel: request.channel,
        issuedAt: isoTime(issuedAt),
        confirmedAt: null,
      };
      // The unique (container, firm code, epoch, toFuc) index and the conditional FUC update make sure two
      // requests can never issue the same step; the loser's transaction fails and the client retries.
      await repo.insertStep(trx, step);
      const advance = { issuedFuc: step.toFuc, ...(item.pinnedKeyId === null ? { pinnedKeyId: keyId } : {}) };
      const advanced = item.unsaved
        ? await repo.insertFirmItemIfAbsent(trx, { ...item, ...advance, unsaved: false })
        : await repo.updateFirmItem(trx, item, advance, item.issuedFuc);
      if (!advanced) throw concurrentUpdate(item, container.serial);
      steps.push({ fromFuc: step.fromFuc, toFuc: step.toFuc, operations });
      toFuc = step.toFuc;
      if (effects.some((e) => e.kind === 'lock')) {
        await audit.record(trx, {
          actor: request.actor,
          action: 'container.lock_issued',
          subject: { type: 'container', id: container.id },
          groupPath: await licenses.groupPathOf(trx, container.groupId),
          data: { serial: container.serial, firmCode, toFuc },
        });
      }
    }
    if (steps.length === 0) return null;
    const pinned = item.pinnedKeyId ?? keyId;
    const keyChain = pinned === keyId ? [] : await deps.keys.rotationChain(trx, firmCode, pinned);
    const update = signUpdate(
      {
        updateId,
        serial: container.serial,
        firmCode,
        issuedAt: issuedAt.toISOString(),
        nonce: request.nonce,
        keyChain,
        steps,
      },
      key,
    );
    return { update, updateId, toFuc };
  };

  return { contact, issue, firmItem, predictedAt, register, flag };
};
