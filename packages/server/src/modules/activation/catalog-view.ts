// The catalog as the license lifecycle reads it: a product's rules with its policies resolved against the
// global defaults, and the honey-pot marker written into blacklisted containers.

import { perTransaction } from '../../db/memo.js';
import type { Executor } from '../../db/transaction.js';
import { findProductBySku } from '../catalog/repository.js';
import { loadProduct, loadSettings, type Product, resolvePolicies } from '../catalog/service.js';
import type { CatalogView, ProductRules } from './service.js';

// Settings and products do not change under a running transaction; an activation reads each once.
const settingsOf = perTransaction((ex) => loadSettings(ex));
const productOf = perTransaction((ex, id) => loadProduct(ex, id));

const rulesOf = async (ex: Executor, product: Product): Promise<ProductRules> => {
  const policies = resolvePolicies(product.policies, (await settingsOf(ex)).defaultPolicies);
  return {
    id: product.id,
    sku: product.sku,
    firmCode: product.firmCode,
    productCode: product.productCode,
    containerTypes: product.containerTypes,
    defaultOptions: product.defaultOptions,
    orderOptions: product.orderOptions,
    modules: product.modules,
    archived: product.archivedAt !== null,
    ...policies,
  };
};

export const catalogView: CatalogView = {
  productRules: async (ex, productId) => rulesOf(ex, await productOf(ex, productId)),
  productRulesBySku: async (ex, sku) => {
    const product = await findProductBySku(ex, sku);
    return product ? rulesOf(ex, product) : undefined;
  },
  honeypotMarker: async (ex) => {
    const { honeypotProductCode } = await settingsOf(ex);
    return honeypotProductCode === null ? 'blacklisted' : `honeypot:${honeypotProductCode}`;
  },
};
