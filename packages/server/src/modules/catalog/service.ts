// Domain logic of the catalog, which only ISV admins manage: firm codes with their Ed25519 keys (private keys
// sealed under the master key, rotation signed by the old key), products with their license templates and
// policies, and the global settings. Every change is audited in the caller's transaction.
// Also the read side other modules build on: loadProduct, effectivePolicies, loadSettings.
// Not here: HTTP (routes.ts), SQL (repository.ts), opening keys for signing (keyring.ts).

import {
  type Clock,
  encodeFirmPublicKey,
  fromBase64Url,
  generateKeyPair,
  keyIdOf,
  signKeyRotation,
  TesseraError,
} from '@tessera/core';
import type { ReactivationBehaviour } from '../../db/schema-licensing.js';
import { type Executor, isoTime, newId, type Trx } from '../../db/transaction.js';
import { type Page, type PageRequest, toPage } from '../../http/pagination.js';
import { forbidden, isIsvAdmin } from '../accounts/policy.js';
import { auditActor, type Caller } from '../accounts/service.js';
import type { AuditLog } from '../audit/service.js';
import { firmCodeNotFound, openFirmKey } from './keyring.js';
import {
  defaultLicenseTemplate,
  type LicenseTemplate,
  type OrderOptionName,
  parseLicenseTemplate,
} from './license-template.js';
import { type MasterKeys, SEAL_CONTEXT, sealSecret } from './master-key.js';
import type { FirmCode, FirmKeyRecord, Product, ProductPolicies } from './repository.js';
import * as repo from './repository.js';

export type { Product, ProductPolicies } from './repository.js';

// ——— what other modules read ———

export interface EffectivePolicies {
  deactivationAllowed: boolean;
  reactivationsAllowed: number;
  reactivationMinWaitSeconds: number;
  reactivationBehaviour: ReactivationBehaviour;
  keepTicketComplete: boolean;
}

export type DefaultPolicies = Omit<EffectivePolicies, 'keepTicketComplete'>;

export interface Settings {
  defaultPolicies: DefaultPolicies;
  honeypotProductCode: number | null;
  /** When a setting was last changed; null while everything has its default. */
  updatedAt: string | null;
}

/** The policies of a fresh installation: self-service deactivation, one reactivation at once, withdraw. */
export const DEFAULT_POLICIES: DefaultPolicies = {
  deactivationAllowed: true,
  reactivationsAllowed: 1,
  reactivationMinWaitSeconds: 0,
  reactivationBehaviour: 'withdraw',
};

const SETTING_DEFAULT_POLICIES = 'default_policies';
const SETTING_HONEYPOT = 'honeypot_product_code';

export const productNotFound = (id: string) =>
  new TesseraError('product_not_found', `No product with id ${id} exists.`, { productId: id });

/** A product with its JSON fields parsed. TesseraError 'product_not_found' when unknown. */
export const loadProduct = async (ex: Executor, productId: string): Promise<Product> => {
  const product = await repo.findProduct(ex, productId);
  if (!product) throw productNotFound(productId);
  return product;
};

export const loadSettings = async (ex: Executor): Promise<Settings> => {
  const { values, updatedAt } = await repo.readSettings(ex);
  const stored = values.get(SETTING_DEFAULT_POLICIES);
  const honeypot = values.get(SETTING_HONEYPOT);
  return {
    defaultPolicies: {
      ...DEFAULT_POLICIES,
      ...(typeof stored === 'object' && stored !== null ? (stored as Partial<DefaultPolicies>) : {}),
    },
    honeypotProductCode: typeof honeypot === 'number' ? honeypot : null,
    updatedAt,
  };
};

/** A product's policies with every "use the global default" (null) filled in from the settings. */
export const resolvePolicies = (policies: ProductPolicies, defaults: DefaultPolicies): EffectivePolicies => ({
  deactivationAllowed: policies.deactivationAllowed ?? defaults.deactivationAllowed,
  reactivationsAllowed: policies.reactivationsAllowed ?? defaults.reactivationsAllowed,
  reactivationMinWaitSeconds: policies.reactivationMinWaitSeconds ?? defaults.reactivationMinWaitSeconds,
  reactivationBehaviour: policies.reactivationBehaviour ?? defaults.reactivationBehaviour,
  keepTicketComplete: policies.keepTicketComplete,
});

export const effectivePolicies = async (ex: Executor, product: Product): Promise<EffectivePolicies> =>
  resolvePolicies(product.policies, (await loadSettings(ex)).defaultPolicies);

// ——— views ———

export interface FirmKeyView {
  keyId: string;
  publicKey: string;
  status: 'active' | 'retired';
  previousKeyId: string | null;
  createdAt: string;
  retiredAt: string | null;
}

export interface FirmCodeView extends FirmCode {
  activeKeyId: string;
  keys: FirmKeyView[];
}

const keyView = (key: FirmKeyRecord): FirmKeyView => ({
  keyId: key.keyId,
  publicKey: key.publicKey,
  status: key.status,
  previousKeyId: key.previousKeyId,
  createdAt: key.createdAt,
  retiredAt: key.retiredAt,
});

const firmCodeView = (firmCode: FirmCode, keys: FirmKeyRecord[]): FirmCodeView => {
  const own = keys.filter((k) => k.firmCodeId === firmCode.id);
  return {
    ...firmCode,
    activeKeyId: own.find((k) => k.status === 'active')?.keyId ?? '',
    keys: own.map(keyView),
  };
};

export interface ProductInput {
  sku: string;
  name: string;
  description: string;
  firmCode: number;
  productCode: number;
  containerTypes: Product['containerTypes'];
  defaultOptions: Partial<LicenseTemplate>;
  orderOptions: OrderOptionName[];
  modules: Product['modules'];
  policies: Partial<ProductPolicies>;
}

export type ProductPatch = Partial<Omit<ProductInput, 'firmCode'>>;

const requireIsvAdmin = (caller: Caller) => {
  if (!isIsvAdmin(caller.principal)) throw forbidden('Only ISV admins manage the catalog.');
};

const skuTaken = (sku: string) =>
  new TesseraError('sku_taken', `A product with SKU "${sku}" already exists.`, { field: 'sku' });

const NO_POLICIES: ProductPolicies = {
  deactivationAllowed: null,
  reactivationsAllowed: null,
  reactivationMinWaitSeconds: null,
  reactivationBehaviour: null,
  keepTicketComplete: false,
};

/** Module items must not reuse the product's own code: the container could not tell them apart. */
const checkModules = (productCode: number, modules: Product['modules']) => {
  const index = modules.findIndex((m) => m.productCode === productCode);
  if (index >= 0) {
    throw new TesseraError(
      'validation_failed',
      `modules.${index}.productCode: a module item needs a product code other than the product's own (${productCode}).`,
      { field: `modules.${index}.productCode` },
    );
  }
};

export interface CatalogDeps {
  clock: Clock;
  audit: AuditLog;
  masterKeys: MasterKeys;
}

export type CatalogService = ReturnType<typeof createCatalogService>;

export const createCatalogService = (deps: CatalogDeps) => {
  const { clock, audit, masterKeys } = deps;
  const now = () => isoTime(clock.now());

  const newFirmKey = (
    firmCodeId: string,
    at: string,
    previous?: { record: FirmKeyRecord; firmCode: number },
  ) => {
    const pair = generateKeyPair();
    const keyId = keyIdOf(pair.publicKey);
    const rotation = previous
      ? signKeyRotation(previous.firmCode, openFirmKey(masterKeys, previous.record), pair.publicKey, at)
      : null;
    const record: FirmKeyRecord = {
      id: newId(),
      firmCodeId,
      keyId,
      publicKey: pair.publicKey,
      privateKeySealed: sealSecret(
        masterKeys,
        fromBase64Url(pair.privateKey, 'private key'),
        SEAL_CONTEXT.firmPrivateKey(keyId),
      ),
      rotation: rotation ? JSON.stringify(rotation) : null,
      previousKeyId: previous ? previous.record.keyId : null,
      status: 'active',
      createdAt: at,
      retiredAt: null,
    };
    return record;
  };

  const visibleFirmCode = async (ex: Executor, firmCode: number): Promise<FirmCodeView> => {
    const found = await repo.findFirmCode(ex, firmCode);
    if (!found) throw firmCodeNotFound(firmCode);
    return firmCodeView(found, await repo.listFirmKeysOf(ex, [found.id]));
  };

  const firmCodeForProduct = async (ex: Executor, firmCode: number, field: string): Promise<FirmCode> => {
    const found = await repo.findFirmCode(ex, firmCode);
    if (!found) {
      throw new TesseraError('validation_failed', `${field}: no firm code ${firmCode} exists.`, { field });
    }
    return found;
  };

  const ensureSkuFree = async (ex: Executor, sku: string, exceptId?: string) => {
    const existing = await repo.findProductBySku(ex, sku);
    if (existing && existing.id !== exceptId) throw skuTaken(sku);
  };

  const productChanges = (before: Product, after: Product): Record<string, unknown> => {
    const changes: Record<string, unknown> = {};
    for (const key of Object.keys(after) as (keyof Product)[]) {
      if (key === 'updatedAt') continue;
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
        changes[key] = { from: before[key], to: after[key] };
      }
    }
    return changes;
  };

  return {
    // ——— firm codes ———

    createFirmCode: async (trx: Trx, caller: Caller, input: { firmCode: number; name: string }) => {
      requireIsvAdmin(caller);
      if (await repo.findFirmCode(trx, input.firmCode)) {
        throw new TesseraError('firm_code_taken', `Firm code ${input.firmCode} already exists.`, {
          field: 'firmCode',
        });
      }
      const at = now();
      const firmCode: FirmCode = {
        id: newId(),
        firmCode: input.firmCode,
        name: input.name,
        createdAt: at,
        updatedAt: at,
      };
      await repo.insertFirmCode(trx, firmCode);
      const key = newFirmKey(firmCode.id, at);
      await repo.insertFirmKey(trx, key);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'firm_code.created',
        subject: { type: 'firm_code', id: firmCode.id },
        data: { firmCode: firmCode.firmCode, name: firmCode.name, keyId: key.keyId },
      });
      return firmCodeView(firmCode, [key]);
    },

    listFirmCodes: async (ex: Executor, caller: Caller, page: PageRequest): Promise<Page<FirmCodeView>> => {
      requireIsvAdmin(caller);
      const result = toPage(await repo.listFirmCodes(ex, page), page, (f) => f.id);
      const keys = await repo.listFirmKeysOf(
        ex,
        result.items.map((f) => f.id),
      );
      return { items: result.items.map((f) => firmCodeView(f, keys)), nextCursor: result.nextCursor };
    },

    getFirmCode: async (ex: Executor, caller: Caller, firmCode: number): Promise<FirmCodeView> => {
      requireIsvAdmin(caller);
      return visibleFirmCode(ex, firmCode);
    },

    /** The `.pub` file of the active key (or of the named, possibly retired, key). */
    publicKeyFile: async (ex: Executor, caller: Caller, firmCode: number, keyId?: string) => {
      requireIsvAdmin(caller);
      const view = await visibleFirmCode(ex, firmCode);
      const wanted = keyId ?? view.activeKeyId;
      const key = view.keys.find((k) => k.keyId === wanted);
      if (!key) {
        throw new TesseraError('firm_key_not_found', `Key ${wanted} is not a key of firm code ${firmCode}.`, {
          field: 'keyId',
        });
      }
      return { fileName: `firm-${firmCode}.pub`, content: encodeFirmPublicKey(firmCode, key.publicKey) };
    },

    /**
     * A new signing key for the firm code. The active key signs the new one (so containers and software that
     * trust the old key learn the new one) and becomes `retired`: it still verifies, it never signs again.
     */
    rotateFirmKey: async (trx: Trx, caller: Caller, firmCode: number): Promise<FirmCodeView> => {
      requireIsvAdmin(caller);
      const found = await repo.findFirmCode(trx, firmCode);
      if (!found) throw firmCodeNotFound(firmCode);
      const active = await repo.findActiveFirmKey(trx, firmCode);
      if (!active) throw firmCodeNotFound(firmCode);
      const at = now();
      // The conditional retire is the lock: of two concurrent rotations exactly one retires the key.
      if (!(await repo.retireFirmKey(trx, active.keyId, at))) {
        throw new TesseraError('conflict', 'The firm key was rotated concurrently; reload and retry.');
      }
      const next = newFirmKey(found.id, at, { record: active, firmCode });
      await repo.insertFirmKey(trx, next);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'firm_key.rotated',
        subject: { type: 'firm_code', id: found.id },
        data: { firmCode, from: active.keyId, to: next.keyId },
      });
      return firmCodeView(found, await repo.listFirmKeysOf(trx, [found.id]));
    },

    // ——— products ———

    createProduct: async (trx: Trx, caller: Caller, input: ProductInput): Promise<Product> => {
      requireIsvAdmin(caller);
      const firmCode = await firmCodeForProduct(trx, input.firmCode, 'firmCode');
      await ensureSkuFree(trx, input.sku);
      checkModules(input.productCode, input.modules);
      const at = now();
      const product: Product = {
        id: newId(),
        sku: input.sku,
        name: input.name,
        description: input.description,
        firmCodeId: firmCode.id,
        firmCode: firmCode.firmCode,
        productCode: input.productCode,
        containerTypes: input.containerTypes,
        defaultOptions: parseLicenseTemplate(
          { ...defaultLicenseTemplate(), ...input.defaultOptions },
          'defaultOptions',
        ),
        orderOptions: input.orderOptions,
        modules: input.modules,
        policies: { ...NO_POLICIES, ...input.policies },
        archivedAt: null,
        createdAt: at,
        updatedAt: at,
      };
      await repo.insertProduct(trx, product);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'product.created',
        subject: { type: 'product', id: product.id },
        data: { sku: product.sku, firmCode: product.firmCode, productCode: product.productCode },
      });
      return product;
    },

    listProducts: async (
      ex: Executor,
      caller: Caller,
      filter: { firmCode?: number | undefined; q?: string | undefined; includeArchived: boolean },
      page: PageRequest,
    ): Promise<Page<Product>> => {
      requireIsvAdmin(caller);
      return toPage(await repo.listProducts(ex, filter, page), page, (p) => p.id);
    },

    getProduct: async (ex: Executor, caller: Caller, id: string): Promise<Product> => {
      requireIsvAdmin(caller);
      return loadProduct(ex, id);
    },

    patchProduct: async (trx: Trx, caller: Caller, id: string, patch: ProductPatch): Promise<Product> => {
      requireIsvAdmin(caller);
      await repo.lockProduct(trx, id);
      const before = await loadProduct(trx, id);
      if (patch.sku !== undefined && patch.sku !== before.sku) await ensureSkuFree(trx, patch.sku, id);
      const after: Product = {
        ...before,
        ...(patch.sku !== undefined ? { sku: patch.sku } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.productCode !== undefined ? { productCode: patch.productCode } : {}),
        ...(patch.containerTypes !== undefined ? { containerTypes: patch.containerTypes } : {}),
        ...(patch.orderOptions !== undefined ? { orderOptions: patch.orderOptions } : {}),
        ...(patch.modules !== undefined ? { modules: patch.modules } : {}),
        defaultOptions:
          patch.defaultOptions !== undefined
            ? parseLicenseTemplate({ ...before.defaultOptions, ...patch.defaultOptions }, 'defaultOptions')
            : before.defaultOptions,
        policies: { ...before.policies, ...patch.policies },
        updatedAt: now(),
      };
      checkModules(after.productCode, after.modules);
      const changes = productChanges(before, after);
      if (Object.keys(changes).length === 0) return before;
      if (!(await repo.updateProduct(trx, after))) throw productNotFound(id);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'product.updated',
        subject: { type: 'product', id },
        data: { sku: after.sku, changes },
      });
      return after;
    },

    /** Archives or restores a product. Archived products cannot be ordered; their licenses live on. */
    setArchived: async (trx: Trx, caller: Caller, id: string, archived: boolean): Promise<Product> => {
      requireIsvAdmin(caller);
      const before = await loadProduct(trx, id);
      const at = now();
      if (await repo.setProductArchived(trx, id, archived ? at : null, at)) {
        await audit.record(trx, {
          actor: auditActor(caller),
          action: archived ? 'product.archived' : 'product.unarchived',
          subject: { type: 'product', id },
          data: { sku: before.sku },
        });
      }
      return loadProduct(trx, id);
    },

    // ——— settings ———

    getSettings: async (ex: Executor, caller: Caller): Promise<Settings> => {
      requireIsvAdmin(caller);
      return loadSettings(ex);
    },

    patchSettings: async (
      trx: Trx,
      caller: Caller,
      patch: {
        defaultPolicies?: Partial<DefaultPolicies> | undefined;
        honeypotProductCode?: number | null | undefined;
      },
    ): Promise<Settings> => {
      requireIsvAdmin(caller);
      const before = await loadSettings(trx);
      const at = now();
      const changes: Record<string, unknown> = {};
      if (patch.defaultPolicies !== undefined) {
        const next = { ...before.defaultPolicies, ...patch.defaultPolicies };
        if (JSON.stringify(next) !== JSON.stringify(before.defaultPolicies)) {
          await repo.writeSetting(trx, SETTING_DEFAULT_POLICIES, next, at);
          changes.defaultPolicies = { from: before.defaultPolicies, to: next };
        }
      }
      if (
        patch.honeypotProductCode !== undefined &&
        patch.honeypotProductCode !== before.honeypotProductCode
      ) {
        await repo.writeSetting(trx, SETTING_HONEYPOT, patch.honeypotProductCode, at);
        changes.honeypotProductCode = { from: before.honeypotProductCode, to: patch.honeypotProductCode };
      }
      if (Object.keys(changes).length === 0) return before;
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'settings.updated',
        subject: { type: 'settings', id: null },
        data: changes,
      });
      return loadSettings(trx);
    },
  };
};
