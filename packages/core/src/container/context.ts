// Writes a container's context (or receipt): its firm items as snapshots, signed by the container key.

import type { KeyPair } from '../crypto/ed25519.js';
import { type FirmItemSnapshot, signContext } from '../documents/context.js';
import { emptySnapshot } from './snapshot.js';
import { type ContainerState, snapshotOf } from './state.js';

export interface ContextRequest {
  /** restrict to these firm codes (a firm code the container lacks is reported with FUC 0); all when omitted */
  firmCodes?: readonly number[];
  nonce: string;
  now: Date;
  /** the update this context confirms, when taken as a receipt */
  receiptFor?: string | null;
}

export const makeContext = (
  state: ContainerState,
  containerKey: KeyPair,
  request: ContextRequest,
): string => {
  const snapshots: FirmItemSnapshot[] =
    request.firmCodes === undefined
      ? state.firmItems.map(snapshotOf)
      : [...new Set(request.firmCodes)].map((firmCode) => {
          const item = state.firmItems.find((candidate) => candidate.firmCode === firmCode);
          return item ? snapshotOf(item) : emptySnapshot(firmCode);
        });
  return signContext(
    {
      serial: state.serial,
      containerType: state.type,
      containerKey: containerKey.publicKey,
      nonce: request.nonce,
      createdAt: request.now.toISOString(),
      scope: request.firmCodes === undefined ? 'all' : 'selected',
      firmItems: snapshots.sort((a, b) => a.firmCode - b.firmCode),
      receiptFor: request.receiptFor ?? null,
    },
    containerKey,
  );
};
