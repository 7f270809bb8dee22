// Master key rotation, second half: re-seals every sealed column under the current master key, so the
// previous keys can be dropped from TESSERA_MASTER_KEY_PREVIOUS afterwards. Each value is replaced only if it
// is still the one read (a conditional update), so running reseal beside live instances loses nothing.

import type { Trx } from '../../db/transaction.js';
import { type MasterKeys, openSecret, SEAL_CONTEXT, sealedUnderOlderKey, sealSecret } from './master-key.js';
import { listSealedFirmKeys, updateSealedFirmKey } from './repository.js';

export interface ResealReport {
  firmKeys: number;
  webhookSecrets: number;
}

/** Re-seals what an older master key sealed; values already under the current key are left alone. */
export const resealSecrets = async (trx: Trx, keys: MasterKeys): Promise<ResealReport> => {
  const report: ResealReport = { firmKeys: 0, webhookSecrets: 0 };
  for (const { keyId, sealed } of await listSealedFirmKeys(trx)) {
    if (!sealedUnderOlderKey(keys, sealed)) continue;
    const context = SEAL_CONTEXT.firmPrivateKey(keyId);
    const resealed = sealSecret(keys, openSecret(keys, sealed, context), context);
    if (await updateSealedFirmKey(trx, keyId, sealed, resealed)) report.firmKeys++;
  }
  const subscriptions = await trx
    .selectFrom('webhook_subscriptions')
    .select(['id', 'secret_sealed', 'previous_secret_sealed'])
    .execute();
  for (const subscription of subscriptions) {
    const columns = [
      ['secret_sealed', subscription.secret_sealed, SEAL_CONTEXT.webhookSecret(subscription.id)],
      [
        'previous_secret_sealed',
        subscription.previous_secret_sealed,
        SEAL_CONTEXT.webhookPreviousSecret(subscription.id),
      ],
    ] as const;
    for (const [column, sealed, context] of columns) {
      if (sealed === null || !sealedUnderOlderKey(keys, sealed)) continue;
      const resealed = sealSecret(keys, openSecret(keys, sealed, context), context);
      const result = await trx
        .updateTable('webhook_subscriptions')
        .set({ [column]: resealed })
        .where('id', '=', subscription.id)
        .where(column, '=', sealed)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) report.webhookSecrets++;
    }
  }
  return report;
};
