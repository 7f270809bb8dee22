// The online flows: context → Central → update(s) → import → receipt, in one go. Updates arrive one per firm
// code; each is imported (answering this request's nonce), then one receipt proves what arrived. A receipt
// may bring a vendor-ordered update along (a withdrawal, a lock); those are imported too, a few rounds at most.

import { type AppliedChange, TesseraError } from '@tessera/core';
import type { LocalContainers } from '../local/containers.js';
import type { CentralClient, GatewayAnswer } from './central-client.js';

export interface FlowResult {
  serial: string;
  createdContainer: boolean;
  applied: { updateId: string; firmCode: number; fromFuc: number; toFuc: number; changes: AppliedChange[] }[];
  licenses: GatewayAnswer['licenses'];
}

const MAX_ROUNDS = 3;

/** Imports the updates of an answer, then sends receipts until Central has nothing more for the container. */
const importAndConfirm = async (
  containers: LocalContainers,
  client: CentralClient,
  serial: string,
  answer: Pick<GatewayAnswer, 'updates'>,
  nonce: string | null,
  applied: FlowResult['applied'],
): Promise<GatewayAnswer | null> => {
  let updates = answer.updates;
  let expectedNonce = nonce;
  let last: GatewayAnswer | null = null;
  for (let round = 0; round < MAX_ROUNDS && updates.length > 0; round++) {
    let lastUpdateId = '';
    for (const { update } of updates) {
      const result = await containers.importUpdate(update, {
        serial,
        ...(expectedNonce !== null ? { expectedNonce } : {}),
      });
      applied.push({
        updateId: result.updateId,
        firmCode: result.firmCode,
        fromFuc: result.fromFuc,
        toFuc: result.toFuc,
        changes: result.changes,
      });
      lastUpdateId = result.updateId;
    }
    const receipt = await containers.context(serial, { receiptFor: lastUpdateId });
    last = await client.receipt(receipt.text);
    updates = last.updates;
    expectedNonce = receipt.nonce;
  }
  return last;
};

/** A refusal that carries updates (a blacklisted container's lock) is applied before it is reported. */
const applyRefusalUpdates = async (
  error: unknown,
  containers: LocalContainers,
  client: CentralClient,
  serial: string,
  nonce: string,
): Promise<never> => {
  if (
    error instanceof TesseraError &&
    Array.isArray(error.details.updates) &&
    error.details.updates.length > 0
  ) {
    await importAndConfirm(
      containers,
      client,
      serial,
      { updates: error.details.updates as GatewayAnswer['updates'] },
      nonce,
      [],
    );
  }
  throw error;
};

export const activateOnline = async (
  containers: LocalContainers,
  client: CentralClient,
  input: { ticket: string; serial?: string | undefined; licenses?: string[] | undefined },
): Promise<FlowResult> => {
  const createdContainer = input.serial === undefined;
  const serial = input.serial ?? (await containers.create('machine')).serial;
  const { text, nonce } = await containers.context(serial);
  let answer: GatewayAnswer;
  try {
    answer = await client.activate({
      ticket: input.ticket,
      context: text,
      ...(input.licenses ? { licenses: input.licenses } : {}),
    });
  } catch (error) {
    // A container made only for this activation is not left behind empty.
    if (createdContainer && !(error instanceof TesseraError && Array.isArray(error.details.updates))) {
      await containers.remove(serial).catch(() => {});
    }
    return applyRefusalUpdates(error, containers, client, serial, nonce);
  }
  const applied: FlowResult['applied'] = [];
  const confirmed = await importAndConfirm(containers, client, serial, answer, nonce, applied);
  return {
    serial,
    createdContainer,
    applied,
    licenses: confirmed
      ? confirmed.licenses.filter((l) => answer.licenses.some((a) => a.id === l.id))
      : answer.licenses,
  };
};

export const deactivateOnline = async (
  containers: LocalContainers,
  client: CentralClient,
  input: { ticket: string; serial: string; licenses?: string[] | undefined },
): Promise<FlowResult> => {
  const { text, nonce } = await containers.context(input.serial);
  let answer: GatewayAnswer;
  try {
    answer = await client.deactivate({
      ticket: input.ticket,
      context: text,
      ...(input.licenses ? { licenses: input.licenses } : {}),
    });
  } catch (error) {
    return applyRefusalUpdates(error, containers, client, input.serial, nonce);
  }
  const applied: FlowResult['applied'] = [];
  const confirmed = await importAndConfirm(containers, client, input.serial, answer, nonce, applied);
  const returned = confirmed ? await returnedStates(confirmed, answer) : answer.licenses;
  return { serial: input.serial, createdContainer: false, applied, licenses: returned };
};

// After a confirmed return the licenses are no longer in the container, so the receipt's list lacks them.
const returnedStates = async (confirmed: GatewayAnswer, answer: GatewayAnswer) =>
  answer.licenses.map((l) => confirmed.licenses.find((c) => c.id === l.id) ?? { ...l, state: 'returned' });

export const fetchUpdates = async (
  containers: LocalContainers,
  client: CentralClient,
  serial: string,
): Promise<FlowResult> => {
  const { text, nonce } = await containers.context(serial);
  const answer = await client.updates(text);
  const applied: FlowResult['applied'] = [];
  await importAndConfirm(containers, client, serial, answer, nonce, applied);
  return { serial, createdContainer: false, applied, licenses: answer.licenses };
};

export const reactivateOnline = async (
  containers: LocalContainers,
  client: CentralClient,
  input: { ticket: string; lostSerial: string; serial?: string | undefined },
): Promise<FlowResult> => {
  const createdContainer = input.serial === undefined;
  const serial = input.serial ?? (await containers.create('machine')).serial;
  const { text, nonce } = await containers.context(serial);
  let answer: GatewayAnswer;
  try {
    answer = await client.reactivate(input.ticket, { context: text, lostSerial: input.lostSerial });
  } catch (error) {
    if (createdContainer && !(error instanceof TesseraError && Array.isArray(error.details.updates))) {
      await containers.remove(serial).catch(() => {});
    }
    return applyRefusalUpdates(error, containers, client, serial, nonce);
  }
  const applied: FlowResult['applied'] = [];
  await importAndConfirm(containers, client, serial, answer, nonce, applied);
  return { serial, createdContainer, applied, licenses: answer.licenses };
};
