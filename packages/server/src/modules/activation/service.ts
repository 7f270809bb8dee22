// The license lifecycle (DESIGN.md §4): activation, receipts, deactivation, auto updates, reactivation after
// a loss, withdrawal and replacement. Each method runs in one transaction: it takes in the container's
// context through the ledger (which confirms what it proves and catches manipulation), moves ticket licenses
// with conditional updates, plans the next step and lets the ledger issue it — with the audit entries and
// events of every change. Not here: HTTP, SQL, or how steps are signed and stored (containers/ledger.ts).

import {
  type Clock,
  type FirmItemSnapshot,
  type OpenedContext,
  openContext,
  TesseraError,
} from '@tessera/core';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ContainerTypeName, LicenseState, StepChannel } from '../../db/schema-licensing.js';
import { type Executor, inTransaction, isoTime, newId, type Trx } from '../../db/transaction.js';
import { isIsvAdmin } from '../accounts/policy.js';
import { auditActor, type Caller } from '../accounts/service.js';
import { type AuditActor, type AuditLog, SYSTEM_ACTOR } from '../audit/service.js';
import {
  type LicenseTemplate,
  licenseTemplateSchema,
  resolveLicenseOptions,
} from '../catalog/license-template.js';
import type { Ledger } from '../containers/ledger.js';
import type { Container, FirmItemRecord } from '../containers/repository.js';
import * as containers from '../containers/repository.js';
import type { EventSink } from '../events/service.js';
import { canSeeTicket } from '../orders/policy.js';
import { planStep } from './planner.js';
import type { LicenseRecord, TicketRef } from './repository.js';
import * as repo from './repository.js';

/** What lifecycle rules need to know about a product. */
export interface ProductRules {
  id: string;
  sku: string;
  firmCode: number;
  productCode: number;
  containerTypes: readonly ContainerTypeName[];
  defaultOptions: LicenseTemplate;
  orderOptions: readonly string[];
  modules: LicenseRecord['modules'];
  archived: boolean;
  deactivationAllowed: boolean;
  reactivationsAllowed: number;
  reactivationMinWaitSeconds: number;
  reactivationBehaviour: 'withdraw' | 'blacklist';
  keepTicketComplete: boolean;
}

/** The catalog as the lifecycle sees it (implemented by the catalog module). */
export interface CatalogView {
  productRules(ex: Executor, productId: string): Promise<ProductRules>;
  productRulesBySku(ex: Executor, sku: string): Promise<ProductRules | undefined>;
  honeypotMarker(ex: Executor): Promise<string>;
}

export interface ActivationDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  events: EventSink;
  ledger: Ledger;
  catalog: CatalogView;
  /** Normalises and checks a ticket code (check character) before any lookup. */
  parseTicketCode: (input: string) => string;
}

/** Who is asking: a signed-in user or token, or nobody but the holder of a ticket code and a container. */
export interface GatewayCaller {
  caller: Caller | null;
  requestId: string | null;
  channel: StepChannel;
}

export interface IssuedUpdate {
  firmCode: number;
  updateId: string;
  update: string;
}

export interface LicenseView {
  id: string;
  productCode: number;
  firmCode: number;
  generation: number;
  state: LicenseState;
}

export interface GatewayResult {
  serial: string;
  updates: IssuedUpdate[];
  licenses: LicenseView[];
}

const view = (license: LicenseRecord): LicenseView => ({
  id: license.id,
  productCode: license.productCode,
  firmCode: license.firmCode,
  generation: license.generation,
  state: license.state,
});

const ticketNotFound = (code: string) =>
  new TesseraError('ticket_not_found', `No ticket ${code} exists or is visible to you.`, { field: 'ticket' });

/** Raised after the transaction that recorded the flag committed: the container's state is not one Central issued. */
const manipulationDetected = (serial: string, reason: string) =>
  new TesseraError(
    'container_manipulation_detected',
    `Container ${serial} ${reason}. It is flagged "manipulation detected"; an administrator must resolve it.`,
    { serial },
  );

type Outcome<T> =
  | { ok: T }
  | { manipulation: { serial: string; reason: string } }
  | { refused: TesseraError };

export type ActivationService = ReturnType<typeof createActivationService>;

export const createActivationService = (deps: ActivationDeps) => {
  const { db, clock, audit, events, ledger, catalog } = deps;
  const now = () => isoTime(clock.now());

  const actorOf = (who: GatewayCaller): AuditActor =>
    who.caller ? auditActor(who.caller) : { ...SYSTEM_ACTOR, requestId: who.requestId };

  const open = (text: string): OpenedContext => {
    try {
      return openContext(text);
    } catch (error) {
      if (error instanceof TesseraError) {
        throw new TesseraError(error.code, error.message, { ...error.details, field: 'context' });
      }
      throw error;
    }
  };

  /** Runs work in a transaction; a detected manipulation commits its flag and is then raised. */
  const run = async <T>(work: (trx: Trx) => Promise<Outcome<T>>): Promise<T> => {
    const outcome = await inTransaction(db, work);
    if ('manipulation' in outcome)
      throw manipulationDetected(outcome.manipulation.serial, outcome.manipulation.reason);
    if ('refused' in outcome) throw outcome.refused;
    return outcome.ok;
  };

  /** A signed-in caller must be allowed to see the ticket; without one, the ticket code is the credential. */
  const visibleTo = <T extends { ticket: TicketRef }>(
    found: T | undefined,
    code: string,
    who: GatewayCaller,
  ): T => {
    if (!found || (who.caller && !canSeeTicket(who.caller.principal, found.ticket)))
      throw ticketNotFound(code);
    return found;
  };

  const findTicket = async (ex: Executor, code: string, who: GatewayCaller): Promise<TicketRef> => {
    const ticket = await repo.findTicketRef(ex, deps.parseTicketCode(code));
    return visibleTo(ticket && { ticket }, code, who).ticket;
  };

  const findTicketWithLicenses = async (ex: Executor, code: string, who: GatewayCaller) =>
    visibleTo(await repo.findTicketWithLicenses(ex, deps.parseTicketCode(code)), code, who);

  const record = async (
    trx: Trx,
    actor: AuditActor,
    action: string,
    license: LicenseRecord,
    groupPath: string | null,
    data: Record<string, unknown>,
    event?: 'license.activated' | 'license.withdrawn',
  ) => {
    await audit.record(trx, { actor, action, subject: { type: 'license', id: license.id }, groupPath, data });
    if (event)
      await events.emit(trx, { type: event, subject: { type: 'license', id: license.id }, groupPath, data });
  };

  /** The state Central issued last for a firm item (what the context reported when it proved exactly that). */
  const predictionOf = async (trx: Trx, item: FirmItemRecord): Promise<FirmItemSnapshot> => {
    const predicted =
      item.reportedSnapshot !== null && item.reportedFuc === item.issuedFuc
        ? item.reportedSnapshot
        : await ledger.predictedAt(trx, item, item.issuedFuc);
    if (!predicted)
      throw new Error(`no prediction for container ${item.containerId} at FUC ${item.issuedFuc}`);
    return predicted;
  };

  /**
   * Brings every firm item of a container up to date: moves pre-assigned licenses in, plans the step
   * (vendor-ordered changes first, then the user's) and issues an update wherever there is something to send.
   */
  const synchronize = async (
    trx: Trx,
    request: {
      container: Container;
      items: Map<number, FirmItemRecord>;
      activations?: LicenseRecord[];
      deactivations?: LicenseRecord[];
      nonce: string | null;
      actor: AuditActor;
      channel: StepChannel;
      groupPath: string | null;
      /** the container was registered by this very contact: nothing can be pre-assigned to it yet */
      registered?: boolean;
    },
  ): Promise<IssuedUpdate[]> => {
    const { container } = request;
    const at = now();
    // What Central predicts each reported firm item holds; the context just proved it when nothing was issued
    // beyond it. The rows of those licenses and of the licenses waiting for this container come in one read.
    const predictions = new Map<number, FirmItemSnapshot>();
    for (const [firmCode, item] of request.items) predictions.set(firmCode, await predictionOf(trx, item));
    const { preAssigned: waiting, byId: known } = await repo.licensesForContact(trx, container.id, {
      // A container registered by this very contact cannot have anything pre-assigned yet.
      preAssigned: !request.registered,
      ids: [...predictions.values()].flatMap((p) => p.licenses.map((l) => l.ticketLicenseId)),
    });
    const preAssigned: LicenseRecord[] = [];
    for (const license of waiting) {
      const moved = await repo.transitionLicense(
        trx,
        license.id,
        { from: ['available', 'returned'] },
        {
          state: 'collected',
          containerId: container.id,
          preAssignedContainerId: null,
          activatedAt: license.activatedAt ?? at,
          resolvedExpirationTime:
            license.resolvedExpirationTime ??
            resolveLicenseOptions(license.template, clock.now(), null).expirationTime,
        },
        at,
      );
      if (!moved) continue;
      const collected = { ...license, state: 'collected' as const, containerId: container.id };
      preAssigned.push(collected);
      await record(
        trx,
        request.actor,
        'license.activated',
        collected,
        request.groupPath,
        {
          serial: container.serial,
          generation: license.generation,
          channel: 'auto',
          fromState: license.state,
          toState: 'collected',
          preAssigned: true,
        },
        'license.activated',
      );
    }
    const firmCodes = new Set<number>([
      ...request.items.keys(),
      ...preAssigned.map((l) => l.firmCode),
      ...(request.activations ?? []).map((l) => l.firmCode),
      ...(request.deactivations ?? []).map((l) => l.firmCode),
    ]);
    const updates: IssuedUpdate[] = [];
    for (const firmCode of [...firmCodes].sort((a, b) => a - b)) {
      const reported = request.items.get(firmCode);
      const item = reported ?? (await ledger.firmItem(trx, container, firmCode));
      // A firm item only pre-assigned licenses bring in is new: its prediction is empty, its licenses unknown.
      const predicted = predictions.get(firmCode) ?? (await predictionOf(trx, item));
      const ofFirm = (list: LicenseRecord[] | undefined) =>
        (list ?? []).filter((l) => l.firmCode === firmCode);
      const intents = planStep({
        containerId: container.id,
        predicted,
        blacklisted: container.status === 'blacklisted',
        honeypotMarker: container.status === 'blacklisted' ? await catalog.honeypotMarker(trx) : '',
        known,
        preAssigned: ofFirm(preAssigned),
        deactivations: ofFirm(request.deactivations),
        activations: ofFirm(request.activations),
      });
      const issued = await ledger.issue(trx, {
        container,
        item,
        intents,
        channel: request.channel,
        nonce: request.nonce,
        actor: request.actor,
      });
      if (issued) updates.push({ firmCode, updateId: issued.updateId, update: issued.update });
    }
    return updates;
  };

  /**
   * A blacklisted container gets nothing it asks for — only the update that locks it, carried by the refusal
   * so the runtime can still apply it.
   */
  const lockInstead = async (
    trx: Trx,
    container: Container,
    items: Map<number, FirmItemRecord>,
    opened: OpenedContext,
    actor: AuditActor,
    who: GatewayCaller,
    groupPath: string | null,
  ) =>
    enforcement(
      await synchronize(trx, {
        container,
        items,
        nonce: opened.context.nonce,
        actor,
        channel: who.channel,
        groupPath,
      }),
      container.serial,
    );

  const enforcement = (updates: IssuedUpdate[], serial: string) =>
    new TesseraError(
      'container_blacklisted',
      `Container ${serial} is blacklisted; it takes no licenses. Its update locks it.`,
      {
        serial,
        updates,
      },
    );

  /** Takes in the context; a container seen for the first time joins `groupId` (the ticket's customer). */
  const contactOrStop = (
    trx: Trx,
    opened: OpenedContext,
    firmCodes: number[],
    who: GatewayCaller,
    groupId: string | null = null,
    likelyNew = false,
  ) =>
    ledger.contact(trx, opened, { firmCodes, actor: actorOf(who), channel: who.channel, groupId, likelyNew });

  const productRulesOf = async (ex: Executor, licenses: LicenseRecord[]) => {
    const rules = new Map<string, ProductRules>();
    for (const license of licenses) {
      if (!rules.has(license.productId))
        rules.set(license.productId, await catalog.productRules(ex, license.productId));
    }
    return rules;
  };

  const selectLicenses = (
    all: LicenseRecord[],
    ids: string[] | undefined,
    eligible: (l: LicenseRecord) => boolean,
  ) => {
    if (ids === undefined) return all.filter(eligible);
    return ids.map((id, index) => {
      const license = all.find((l) => l.id === id);
      if (!license) {
        throw new TesseraError('validation_failed', `License ${id} is not on this ticket.`, {
          field: `licenses.${index}`,
        });
      }
      return license;
    });
  };

  const refresh = async (ex: Executor, licenses: LicenseRecord[]) => {
    const fresh = new Map(
      (
        await repo.findLicenses(
          ex,
          licenses.map((l) => l.id),
        )
      ).map((l) => [l.id, l]),
    );
    return licenses.map((l) => fresh.get(l.id) ?? l);
  };

  // ——— gateway ———

  const activate = async (
    input: { ticket: string; context: string; licenses?: string[] },
    who: GatewayCaller,
  ): Promise<GatewayResult> => {
    const opened = open(input.context);
    return run<GatewayResult>(async (trx) => {
      const { ticket, licenses: all } = await findTicketWithLicenses(trx, input.ticket, who);
      const activatable = (l: LicenseRecord) => l.state === 'available' || l.state === 'returned';
      const selected = selectLicenses(all, input.licenses, activatable);
      if (selected.length === 0) {
        throw new TesseraError(
          'ticket_fully_activated',
          `Ticket ${ticket.code} has no license left to activate.`,
          { field: 'ticket' },
        );
      }
      const rules = await productRulesOf(trx, all);
      const serial = opened.context.serial;
      if (
        [...rules.values()].some((r) => r.keepTicketComplete) &&
        (selected.length !== all.length || !all.every(activatable))
      ) {
        throw new TesseraError(
          'ticket_must_stay_complete',
          `Ticket ${ticket.code} keeps its licenses together: activate all of them into one container at once.`,
          { field: 'licenses' },
        );
      }
      for (const license of selected) {
        if (!activatable(license)) {
          throw new TesseraError(
            'license_not_available',
            `License ${license.id} is ${license.state}, not available for activation.`,
            {
              licenseId: license.id,
            },
          );
        }
        const product = rules.get(license.productId);
        if (product && !product.containerTypes.includes(opened.context.containerType)) {
          throw new TesseraError(
            'container_type_not_allowed',
            `Product ${product.sku} may not be activated into a ${opened.context.containerType} container (allowed: ${product.containerTypes.join(', ')}).`,
            { field: 'context' },
          );
        }
      }
      const firmCodes = [...new Set(selected.map((l) => l.firmCode))];
      // Most activations are a container's first contact: register it insert-first.
      const outcome = await contactOrStop(trx, opened, firmCodes, who, ticket.groupId, true);
      if (outcome.kind === 'manipulation') return { manipulation: { serial, reason: outcome.reason } };
      let container = outcome.container;
      const actor = actorOf(who);
      if (container.status === 'blacklisted') {
        return {
          refused: await lockInstead(trx, container, outcome.items, opened, actor, who, ticket.groupPath),
        };
      }
      for (const license of selected) {
        if (license.preAssignedContainerId !== null && license.preAssignedContainerId !== container.id) {
          throw new TesseraError(
            'license_pre_assigned',
            `License ${license.id} is reserved for another container.`,
            { licenseId: license.id },
          );
        }
      }
      if (container.groupId === null) {
        await containers.updateContainer(trx, container.id, { groupId: ticket.groupId });
        container = { ...container, groupId: ticket.groupId };
      }
      const at = now();
      const activations: LicenseRecord[] = [];
      for (const license of selected) {
        const changes = {
          state: 'collected' as const,
          containerId: container.id,
          // Only set when it changes: an update that names the column rewrites its index entry.
          ...(license.preAssignedContainerId !== null ? { preAssignedContainerId: null } : {}),
          activatedAt: at,
          resolvedExpirationTime:
            license.resolvedExpirationTime ??
            resolveLicenseOptions(license.template, clock.now(), null).expirationTime,
        };
        const moved = await repo.transitionLicense(
          trx,
          license.id,
          { from: ['available', 'returned'] },
          changes,
          at,
        );
        if (!moved) {
          throw new TesseraError(
            'license_already_collected',
            `License ${license.id} was just activated by another request.`,
            {
              licenseId: license.id,
            },
          );
        }
        await record(
          trx,
          actor,
          'license.activated',
          license,
          ticket.groupPath,
          {
            serial,
            generation: license.generation,
            channel: who.channel,
            ticket: ticket.code,
            fromState: license.state,
            toState: 'collected',
          },
          'license.activated',
        );
        activations.push({ ...license, ...changes, updatedAt: at });
      }
      const updates = await synchronize(trx, {
        container,
        items: outcome.items,
        activations,
        nonce: opened.context.nonce,
        actor,
        channel: who.channel,
        groupPath: ticket.groupPath,
        registered: outcome.registered,
      });
      return { ok: { serial, updates, licenses: activations.map(view) } };
    });
  };

  const receipt = async (input: { receipt: string }, who: GatewayCaller): Promise<GatewayResult> => {
    const opened = open(input.receipt);
    return run<GatewayResult>(async (trx) => {
      const outcome = await contactOrStop(trx, opened, [], who);
      const serial = opened.context.serial;
      if (outcome.kind === 'manipulation') return { manipulation: { serial, reason: outcome.reason } };
      const { container } = outcome;
      const groupPath = await repo.groupPathOf(trx, container.groupId);
      // Vendor-ordered changes (a lock, a withdrawal) ride along with any contact.
      const updates = await synchronize(trx, {
        container,
        items: outcome.items,
        nonce: opened.context.nonce,
        actor: actorOf(who),
        channel: who.channel,
        groupPath,
      });
      const held = await repo.licensesInContainer(trx, container.id);
      return { ok: { serial, updates, licenses: held.map(view) } };
    });
  };

  const deactivate = async (
    input: { ticket: string; context: string; licenses?: string[] },
    who: GatewayCaller,
  ): Promise<GatewayResult> => {
    const opened = open(input.context);
    return run<GatewayResult>(async (trx) => {
      const { ticket, licenses: before } = await findTicketWithLicenses(trx, input.ticket, who);
      const serial = opened.context.serial;
      const firmCodes = [...new Set(before.map((l) => l.firmCode))];
      const outcome = await contactOrStop(trx, opened, firmCodes, who);
      if (outcome.kind === 'manipulation') return { manipulation: { serial, reason: outcome.reason } };
      const { container } = outcome;
      const actor = actorOf(who);
      if (container.status === 'blacklisted') {
        return {
          refused: await lockInstead(trx, container, outcome.items, opened, actor, who, ticket.groupPath),
        };
      }
      // Read after the contact: the context may just have confirmed these licenses.
      const all = await repo.licensesOfTicket(trx, ticket.id);
      const here = (l: LicenseRecord) =>
        l.containerId === container.id && (l.state === 'collected' || l.state === 'confirmed');
      const selected = selectLicenses(all, input.licenses, here);
      if (selected.length === 0) {
        throw new TesseraError(
          'nothing_to_deactivate',
          `No license of ticket ${ticket.code} is in container ${serial}.`,
          { field: 'ticket' },
        );
      }
      const rules = await productRulesOf(trx, all);
      if (
        [...rules.values()].some((r) => r.keepTicketComplete) &&
        selected.length !== all.filter(here).length
      ) {
        throw new TesseraError(
          'ticket_must_stay_complete',
          `Ticket ${ticket.code} keeps its licenses together: return all of them at once.`,
          {
            field: 'licenses',
          },
        );
      }
      const at = now();
      for (const license of selected) {
        if (!here(license)) {
          throw new TesseraError(
            'license_not_in_container',
            `License ${license.id} is not in container ${serial}.`,
            { licenseId: license.id },
          );
        }
        const product = rules.get(license.productId);
        if (product && !product.deactivationAllowed) {
          throw new TesseraError(
            'deactivation_not_allowed',
            `Licenses of product ${product.sku} cannot be returned.`,
            { licenseId: license.id },
          );
        }
        const moved = await repo.transitionLicense(
          trx,
          license.id,
          { from: ['collected', 'confirmed'], containerId: container.id },
          { state: 'returning' },
          at,
        );
        if (!moved) {
          throw new TesseraError(
            'license_not_in_container',
            `License ${license.id} changed while it was being returned; retry.`,
            { licenseId: license.id },
          );
        }
        await record(trx, actor, 'license.deactivated', license, ticket.groupPath, {
          serial,
          generation: license.generation,
          channel: who.channel,
          ticket: ticket.code,
          fromState: license.state,
          toState: 'returning',
        });
      }
      const deactivations = await refresh(trx, selected);
      const updates = await synchronize(trx, {
        container,
        items: outcome.items,
        deactivations,
        nonce: opened.context.nonce,
        actor,
        channel: who.channel,
        groupPath: ticket.groupPath,
      });
      return { ok: { serial, updates, licenses: (await refresh(trx, selected)).map(view) } };
    });
  };

  const pendingUpdates = async (input: { context: string }, who: GatewayCaller): Promise<GatewayResult> => {
    const opened = open(input.context);
    return run<GatewayResult>(async (trx) => {
      const serial = opened.context.serial;
      const outcome = await contactOrStop(trx, opened, [], who);
      if (outcome.kind === 'manipulation') return { manipulation: { serial, reason: outcome.reason } };
      const { container } = outcome;
      const updates = await synchronize(trx, {
        container,
        items: outcome.items,
        nonce: opened.context.nonce,
        actor: actorOf(who),
        channel: 'auto',
        groupPath: await repo.groupPathOf(trx, container.groupId),
      });
      return {
        ok: { serial, updates, licenses: (await repo.licensesInContainer(trx, container.id)).map(view) },
      };
    });
  };

  // ——— lost licenses and corrections ———

  const reactivate = async (
    code: string,
    input: { context: string; lostSerial: string },
    who: GatewayCaller,
  ): Promise<GatewayResult> => {
    const opened = open(input.context);
    const serial = opened.context.serial;
    if (serial === input.lostSerial) {
      throw new TesseraError('validation_failed', 'The new container must differ from the lost one.', {
        field: 'lostSerial',
      });
    }
    const override = who.caller !== null && isIsvAdmin(who.caller.principal);
    return run<GatewayResult>(async (trx) => {
      const ticket = await findTicket(trx, code, who);
      const lost = await containers.findContainer(trx, input.lostSerial);
      const all = await repo.licensesOfTicket(trx, ticket.id);
      const candidates = lost
        ? all.filter(
            (l) => l.containerId === lost.id && ['collected', 'confirmed', 'returning'].includes(l.state),
          )
        : [];
      if (!lost || candidates.length === 0) {
        throw new TesseraError(
          'nothing_to_reactivate',
          `No license of ticket ${ticket.code} is in container ${input.lostSerial}.`,
          {
            field: 'lostSerial',
          },
        );
      }
      const rules = await productRulesOf(trx, candidates);
      const nowMs = clock.now().getTime();
      for (const license of candidates) {
        const product = rules.get(license.productId);
        if (!product) continue;
        if (!product.containerTypes.includes(opened.context.containerType)) {
          throw new TesseraError(
            'container_type_not_allowed',
            `Product ${product.sku} may not go into a ${opened.context.containerType} container.`,
            {
              field: 'context',
            },
          );
        }
        if (override) continue;
        if (license.reactivationCount >= product.reactivationsAllowed) {
          throw new TesseraError(
            'reactivation_limit_reached',
            `License ${license.id} has used its ${product.reactivationsAllowed} self-service reactivation(s); ask the vendor.`,
            { licenseId: license.id },
          );
        }
        const since = Date.parse(license.lastReactivatedAt ?? license.activatedAt ?? license.createdAt);
        const waitMs = product.reactivationMinWaitSeconds * 1000 - (nowMs - since);
        if (waitMs > 0) {
          throw new TesseraError(
            'reactivation_too_soon',
            `License ${license.id} can be reactivated again in ${Math.ceil(waitMs / 1000)} s.`,
            { licenseId: license.id, retryAfterSeconds: Math.ceil(waitMs / 1000) },
          );
        }
      }
      const outcome = await contactOrStop(trx, opened, [...new Set(candidates.map((l) => l.firmCode))], who);
      if (outcome.kind === 'manipulation') return { manipulation: { serial, reason: outcome.reason } };
      let { container } = outcome;
      const actor = actorOf(who);
      if (container.status === 'blacklisted') {
        return {
          refused: await lockInstead(trx, container, outcome.items, opened, actor, who, ticket.groupPath),
        };
      }
      if (container.groupId === null) {
        await containers.updateContainer(trx, container.id, { groupId: lost.groupId ?? ticket.groupId });
        container = { ...container, groupId: lost.groupId ?? ticket.groupId };
      }
      const at = now();
      for (const license of candidates) {
        const moved = await repo.transitionLicense(
          trx,
          license.id,
          {
            from: ['collected', 'confirmed', 'returning'],
            containerId: lost.id,
            generation: license.generation,
          },
          {
            state: 'collected',
            containerId: container.id,
            generation: license.generation + 1,
            reactivationCount: license.reactivationCount + 1,
            lastReactivatedAt: at,
          },
          at,
        );
        if (!moved)
          throw new TesseraError('concurrent_update', `License ${license.id} changed meanwhile; retry.`);
        await record(
          trx,
          actor,
          'license.reactivated',
          license,
          ticket.groupPath,
          {
            serial,
            fromSerial: lost.serial,
            generation: license.generation + 1,
            previousGeneration: license.generation,
            channel: who.channel,
            ticket: ticket.code,
            override,
            fromState: license.state,
            toState: 'collected',
          },
          'license.activated',
        );
      }
      // Enforcement on the lost container at its next contact: withdrawal of the old generation always
      // follows from the planner; the blacklist behaviour locks the whole firm item as well.
      if ([...rules.values()].some((r) => r.reactivationBehaviour === 'blacklist')) {
        await blacklistContainer(
          trx,
          lost,
          `licenses of ticket ${ticket.code} were reactivated into ${serial}`,
          actor,
        );
      }
      const activations = await refresh(trx, candidates);
      const updates = await synchronize(trx, {
        container,
        items: outcome.items,
        activations,
        nonce: opened.context.nonce,
        actor,
        channel: who.channel,
        groupPath: ticket.groupPath,
      });
      return { ok: { serial, updates, licenses: activations.map(view) } };
    });
  };

  const blacklistContainer = async (trx: Trx, container: Container, reason: string, actor: AuditActor) => {
    if (container.status === 'blacklisted' || container.status === 'recycled') return false;
    await containers.updateContainer(trx, container.id, {
      status: 'blacklisted',
      statusReason: reason,
      statusChangedAt: now(),
    });
    const groupPath = await repo.groupPathOf(trx, container.groupId);
    const data = { serial: container.serial, reason };
    await audit.record(trx, {
      actor,
      action: 'container.blacklisted',
      subject: { type: 'container', id: container.id },
      groupPath,
      data,
    });
    await events.emit(trx, {
      type: 'container.blacklisted',
      subject: { type: 'container', id: container.id },
      groupPath,
      data,
    });
    return true;
  };

  const requireVendor = (caller: Caller) => {
    if (!isIsvAdmin(caller.principal)) {
      throw new TesseraError(
        'forbidden',
        'Only vendor administrators (ISV admins) can withdraw or replace licenses.',
      );
    }
  };

  const visibleLicense = async (ex: Executor, caller: Caller, id: string) => {
    const license = await repo.findLicense(ex, id);
    if (!license)
      throw new TesseraError('license_not_found', `No license ${id} exists or is visible to you.`);
    const ticket = license.ticketId ? await repo.findTicketRefById(ex, license.ticketId) : undefined;
    if (!isIsvAdmin(caller.principal) && !(ticket && canSeeTicket(caller.principal, ticket))) {
      throw new TesseraError('license_not_found', `No license ${id} exists or is visible to you.`);
    }
    return { license, ticket };
  };

  const withdraw = async (id: string, caller: Caller): Promise<LicenseView> =>
    inTransaction(db, async (trx) => {
      const { license, ticket } = await visibleLicense(trx, caller, id);
      requireVendor(caller);
      const from: LicenseState[] = ['available', 'returned', 'collected', 'confirmed', 'returning'];
      if (!from.includes(license.state)) {
        throw new TesseraError(
          'license_not_withdrawable',
          `License ${id} is ${license.state}; it cannot be withdrawn.`,
        );
      }
      const moved = await repo.transitionLicense(
        trx,
        id,
        { from },
        { state: 'withdrawn', preAssignedContainerId: null },
        now(),
      );
      if (!moved) throw new TesseraError('concurrent_update', `License ${id} changed meanwhile; retry.`);
      const container = license.containerId
        ? await containers.findContainerById(trx, license.containerId)
        : undefined;
      await record(
        trx,
        auditActor(caller),
        'license.withdrawn',
        license,
        ticket?.groupPath ?? null,
        {
          serial: container?.serial ?? null,
          generation: license.generation,
          channel: 'admin',
          ticket: ticket?.code ?? null,
          fromState: license.state,
          toState: 'withdrawn',
          // Never delivered: unusable at once. Otherwise the removal goes out at the container's next contact.
          immediate: container === undefined,
        },
        'license.withdrawn',
      );
      return view({ ...license, state: 'withdrawn' });
    });

  const replace = async (
    id: string,
    input: { sku?: string; options?: Partial<LicenseTemplate> },
    caller: Caller,
  ): Promise<{ replaced: LicenseView; replacement: LicenseView }> =>
    inTransaction(db, async (trx) => {
      const { license, ticket } = await visibleLicense(trx, caller, id);
      requireVendor(caller);
      const from: LicenseState[] = ['available', 'returned', 'collected', 'confirmed'];
      if (!from.includes(license.state)) {
        throw new TesseraError(
          'license_not_replaceable',
          `License ${id} is ${license.state}; it cannot be replaced.`,
        );
      }
      const product = input.sku
        ? await catalog.productRulesBySku(trx, input.sku)
        : await catalog.productRules(trx, license.productId);
      if (!product)
        throw new TesseraError('validation_failed', `No product with SKU ${input.sku}.`, { field: 'sku' });
      if (product.archived)
        throw new TesseraError('product_archived', `Product ${product.sku} is archived.`, { field: 'sku' });
      const base = product.id === license.productId ? license.template : product.defaultOptions;
      const merged = licenseTemplateSchema.safeParse({ ...base, ...input.options });
      if (!merged.success) {
        const issue = merged.error.issues[0];
        throw new TesseraError('validation_failed', `options.${issue?.path.join('.')}: ${issue?.message}`, {
          field: `options.${issue?.path.join('.')}`,
        });
      }
      const at = now();
      const inContainer = license.state === 'collected' || license.state === 'confirmed';
      const replacement: LicenseRecord = {
        id: newId(),
        ticketId: license.ticketId,
        orderId: license.orderId,
        productId: product.id,
        firmCode: product.firmCode,
        productCode: product.productCode,
        template: merged.data,
        modules: product.modules,
        generation: 1,
        state: 'available',
        containerId: null,
        // Delivered into the old license's place at the container's next contact.
        preAssignedContainerId: inContainer ? license.containerId : license.preAssignedContainerId,
        replacesLicenseId: inContainer ? license.id : null,
        replacedByLicenseId: null,
        resolvedExpirationTime: null,
        reactivationCount: 0,
        lastReactivatedAt: null,
        activatedAt: null,
        createdAt: at,
        updatedAt: at,
      };
      await repo.insertLicense(trx, replacement);
      const moved = await repo.transitionLicense(
        trx,
        id,
        { from },
        { state: 'replaced', replacedByLicenseId: replacement.id, preAssignedContainerId: null },
        at,
      );
      if (!moved) throw new TesseraError('concurrent_update', `License ${id} changed meanwhile; retry.`);
      await record(
        trx,
        auditActor(caller),
        'license.replaced',
        license,
        ticket?.groupPath ?? null,
        {
          generation: license.generation,
          channel: 'admin',
          ticket: ticket?.code ?? null,
          replacement: replacement.id,
          sku: product.sku,
          fromState: license.state,
          toState: 'replaced',
        },
        'license.withdrawn',
      );
      return { replaced: view({ ...license, state: 'replaced' }), replacement: view(replacement) };
    });

  return {
    activate,
    receipt,
    deactivate,
    pendingUpdates,
    reactivate,
    withdraw,
    replace,
    synchronize,
    blacklistContainer,
  };
};
