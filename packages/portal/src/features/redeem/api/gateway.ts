// The activation gateway as the portal uses it: the protocol documents travel as text (uploaded files or
// what the local agent wrote), with upload progress, channel "portal".

import { type Progress, postWithProgress } from '../../../api/client.js';
import type { components } from '../../../api/schema.js';

export type GatewayResult = components['schemas']['GatewayResult'];

export type Operation =
  | { kind: 'activate'; licenses: string[] }
  | { kind: 'deactivate'; licenses: string[] }
  | { kind: 'reactivate'; lostSerial: string };

export const OPERATION_VERB: Record<Operation['kind'], string> = {
  activate: 'Activate',
  deactivate: 'Return',
  reactivate: 'Reactivate',
};

/** Sends a context for an operation on a ticket; answers the update(s) to import. */
export const requestUpdates = (
  ticket: string,
  operation: Operation,
  context: string,
  onProgress?: Progress,
): Promise<GatewayResult> => {
  switch (operation.kind) {
    case 'activate':
      return postWithProgress('/api/v1/gateway/activate', {
        body: { ticket, context, licenses: operation.licenses, channel: 'portal' },
        ...(onProgress ? { onProgress } : {}),
      });
    case 'deactivate':
      return postWithProgress('/api/v1/gateway/deactivate', {
        body: { ticket, context, licenses: operation.licenses, channel: 'portal' },
        ...(onProgress ? { onProgress } : {}),
      });
    case 'reactivate':
      return postWithProgress('/api/v1/tickets/{code}/reactivate', {
        params: { code: ticket },
        body: { context, lostSerial: operation.lostSerial, channel: 'portal' },
        ...(onProgress ? { onProgress } : {}),
      });
  }
};

/** Sends a receipt (a context written right after the import); answers the licenses now in the container. */
export const sendReceipt = (receipt: string, onProgress?: Progress): Promise<GatewayResult> =>
  postWithProgress('/api/v1/gateway/receipt', {
    body: { receipt, channel: 'portal' },
    ...(onProgress ? { onProgress } : {}),
  });

/** Every update of an answer, in import order (the first is repeated in `update` for older callers). */
export const updatesOf = (result: GatewayResult) =>
  result.updates.length > 0
    ? result.updates
    : result.update
      ? [{ firmCode: 0, updateId: '', update: result.update }]
      : [];

/** A quick look at an armored document's kind, to catch "uploaded the update instead of the context". */
export const documentKind = (text: string): 'context' | 'update' | 'other' => {
  const first = text.trimStart().split('\n', 1)[0]?.trim() ?? '';
  if (first === '-----BEGIN TESSERA CONTEXT-----') return 'context';
  if (first === '-----BEGIN TESSERA UPDATE-----') return 'update';
  return 'other';
};
