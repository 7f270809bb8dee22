import { randomBytes } from 'node:crypto';
import {
  type Envelope,
  extendTrust,
  fromBase64Url,
  generateKeyPair,
  isTesseraError,
  type KeyPair,
  keyIdOf,
  signKeyRotation,
  trustedKeysOf,
} from '@tessera/core';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../src/db/test-helper.js';
import { inTransaction, newId } from '../src/db/transaction.js';
import { createFirmKeyring } from '../src/modules/catalog/keyring.js';
import { type MasterKeys, openSecret, SEAL_CONTEXT, sealSecret } from '../src/modules/catalog/master-key.js';
import * as repo from '../src/modules/catalog/repository.js';
import { resealSecrets } from '../src/modules/catalog/reseal.js';

const AT = '2026-03-01T09:00:00.000Z';
const aMasterKey = () => new Uint8Array(randomBytes(32));
let nextFirmCode = 7_100_000 + (randomBytes(4).readUInt32BE() % 1_000_000);

const codeOf = async (work: Promise<unknown>): Promise<string | undefined> => {
  try {
    await work;
  } catch (error) {
    return isTesseraError(error) ? error.code : String(error);
  }
  return undefined;
};

describeEachDatabase('firm keyring', (ctx) => {
  const masterKeys: MasterKeys = { current: aMasterKey(), previous: [] };
  /** Every master key any test sealed under: reseal covers the whole (shared) database. */
  const known: Uint8Array[] = [masterKeys.current];
  const rotateTo = (): MasterKeys => {
    const next = aMasterKey();
    const keys = { current: next, previous: [...known] };
    known.push(next);
    return keys;
  };

  /** A firm code with `generations` keys, each rotated from the one before. */
  const aFirmCodeWithKeys = async (generations: number, keys: MasterKeys = masterKeys) => {
    const firmCode = nextFirmCode++;
    const id = newId();
    const pairs: KeyPair[] = [];
    const rotations: Envelope[] = [];
    await inTransaction(ctx.database.db, async (trx) => {
      await repo.insertFirmCode(trx, {
        id,
        firmCode,
        name: `Firm ${firmCode}`,
        createdAt: AT,
        updatedAt: AT,
      });
      for (let i = 0; i < generations; i++) {
        const pair = generateKeyPair();
        const previous = pairs.at(-1);
        const rotation = previous ? signKeyRotation(firmCode, previous, pair.publicKey, AT) : null;
        if (rotation) rotations.push(rotation);
        if (previous) await repo.retireFirmKey(trx, keyIdOf(previous.publicKey), AT);
        await repo.insertFirmKey(trx, {
          id: newId(),
          firmCodeId: id,
          keyId: keyIdOf(pair.publicKey),
          publicKey: pair.publicKey,
          privateKeySealed: sealSecret(
            keys,
            fromBase64Url(pair.privateKey),
            SEAL_CONTEXT.firmPrivateKey(keyIdOf(pair.publicKey)),
          ),
          rotation: rotation ? JSON.stringify(rotation) : null,
          previousKeyId: previous ? keyIdOf(previous.publicKey) : null,
          status: 'active',
          createdAt: AT,
          retiredAt: null,
        });
        pairs.push(pair);
      }
    });
    return { firmCode, pairs, rotations };
  };

  let three: Awaited<ReturnType<typeof aFirmCodeWithKeys>>;
  beforeAll(async () => {
    three = await aFirmCodeWithKeys(3);
  });

  it('hands out the active key of a firm code, opened from its sealed column', async () => {
    const keyring = createFirmKeyring(masterKeys);
    const { keyId, key } = await keyring.signingKey(ctx.database.db, three.firmCode);
    expect(key).toEqual(three.pairs[2]);
    expect(keyId).toBe(keyIdOf(three.pairs[2]?.publicKey ?? ''));
  });

  it('answers firm_code_not_found for an unknown firm code', async () => {
    const keyring = createFirmKeyring(masterKeys);
    expect(await codeOf(keyring.signingKey(ctx.database.db, 4_294_967_295))).toBe('firm_code_not_found');
    expect(await codeOf(keyring.rotationChain(ctx.database.db, 4_294_967_295, 'x'))).toBe(
      'firm_code_not_found',
    );
  });

  it('returns the rotations from an older key to the active one, oldest first, which extend trust to it', async () => {
    const keyring = createFirmKeyring(masterKeys);
    const [first, second, third] = three.pairs.map((p) => keyIdOf(p.publicKey));
    const chain = await keyring.rotationChain(ctx.database.db, three.firmCode, first ?? '');
    expect(chain).toEqual(three.rotations);
    const trusted = extendTrust(three.firmCode, trustedKeysOf([three.pairs[0]?.publicKey ?? '']), chain);
    expect(trusted.has(third ?? '')).toBe(true);
    expect(await keyring.rotationChain(ctx.database.db, three.firmCode, second ?? '')).toEqual([
      three.rotations[1],
    ]);
    expect(await keyring.rotationChain(ctx.database.db, three.firmCode, third ?? '')).toEqual([]);
  });

  it('answers firm_key_not_found for a key id that is not one of the firm code', async () => {
    const keyring = createFirmKeyring(masterKeys);
    expect(
      await codeOf(keyring.rotationChain(ctx.database.db, three.firmCode, 'AAAAAAAAAAAAAAAAAAAAAA')),
    ).toBe('firm_key_not_found');
  });

  it('cannot open keys sealed under a master key it does not have', async () => {
    const keyring = createFirmKeyring({ current: aMasterKey(), previous: [] });
    expect(await codeOf(keyring.signingKey(ctx.database.db, three.firmCode))).toBe('secret_unreadable');
  });

  it('re-seals keys of an older master key under the current one, after which the old key is not needed', async () => {
    const old = rotateTo();
    const firm = await aFirmCodeWithKeys(2, old);
    const rotated = rotateTo();
    const report = await inTransaction(ctx.database.db, (trx) => resealSecrets(trx, rotated));
    expect(report.firmKeys).toBeGreaterThanOrEqual(2);
    const onlyNew = createFirmKeyring({ current: rotated.current, previous: [] });
    expect((await onlyNew.signingKey(ctx.database.db, firm.firmCode)).key).toEqual(firm.pairs[1]);
    // A second run finds nothing left to do.
    expect(await inTransaction(ctx.database.db, (trx) => resealSecrets(trx, rotated))).toEqual({
      firmKeys: 0,
      webhookSecrets: 0,
    });
  });

  it('re-seals both webhook secret columns of an older master key', async () => {
    const old = rotateTo();
    const id = newId();
    const text = (value: string) => new TextEncoder().encode(value);
    await ctx.database.db
      .insertInto('webhook_subscriptions')
      .values({
        id,
        url: 'https://example.test/hook',
        description: 'reseal',
        secret_sealed: sealSecret(old, text('current secret'), SEAL_CONTEXT.webhookSecret(id)),
        previous_secret_sealed: sealSecret(
          old,
          text('previous secret'),
          SEAL_CONTEXT.webhookPreviousSecret(id),
        ),
        previous_secret_expires_at: AT,
        events: '["ticket.created"]',
        active: 1,
        created_by: null,
        created_at: AT,
        updated_at: AT,
      })
      .execute();
    const rotated = rotateTo();
    const report = await inTransaction(ctx.database.db, (trx) => resealSecrets(trx, rotated));
    expect(report.webhookSecrets).toBeGreaterThanOrEqual(2);
    const row = await ctx.database.db
      .selectFrom('webhook_subscriptions')
      .select(['secret_sealed', 'previous_secret_sealed'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const onlyNew: MasterKeys = { current: rotated.current, previous: [] };
    const read = (sealed: string | null, context: string) =>
      new TextDecoder().decode(openSecret(onlyNew, sealed ?? '', context));
    expect(read(row.secret_sealed, SEAL_CONTEXT.webhookSecret(id))).toBe('current secret');
    expect(read(row.previous_secret_sealed, SEAL_CONTEXT.webhookPreviousSecret(id))).toBe('previous secret');
  });
});
