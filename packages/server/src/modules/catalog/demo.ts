// Demo catalog for a first start with TESSERA_DEMO on: firm code 6000010 "Demo Firm" with its key and three
// products (a one-year, a perpetual and a pay-per-use license), created through the catalog service so they
// are exactly what an ISV admin would have made — audited as the bootstrap's ISV admin.

import type { Trx } from '../../db/transaction.js';
import type { Caller } from '../accounts/service.js';
import { type CatalogDeps, createCatalogService, type Product } from './service.js';

export const DEMO_FIRM_CODE = 6_000_010;

export interface DemoCatalog {
  firmCode: number;
  products: Product[];
}

export const seedDemoCatalog = async (trx: Trx, deps: CatalogDeps, caller: Caller): Promise<DemoCatalog> => {
  const catalog = createCatalogService(deps);
  await catalog.createFirmCode(trx, caller, { firmCode: DEMO_FIRM_CODE, name: 'Demo Firm' });
  const product = (
    input: Omit<Parameters<typeof catalog.createProduct>[2], 'firmCode' | 'modules' | 'policies'>,
  ) => catalog.createProduct(trx, caller, { ...input, firmCode: DEMO_FIRM_CODE, modules: [], policies: {} });
  const products = [
    await product({
      sku: 'TES-PRO-1Y',
      name: 'Tessera Pro 1 year',
      description: 'All four features for 365 days from the first activation.',
      productCode: 1,
      containerTypes: ['machine', 'portable'],
      defaultOptions: { featureMap: 0xf, expirationDays: 365 },
      orderOptions: [],
    }),
    await product({
      sku: 'TES-PRO-PERP',
      name: 'Tessera Pro perpetual',
      description: 'All four features, without an end.',
      productCode: 2,
      containerTypes: ['machine', 'portable'],
      defaultOptions: { featureMap: 0xf },
      orderOptions: [],
    }),
    await product({
      sku: 'TES-PAYG',
      name: 'Tessera pay-per-use',
      description: '1000 units by default; an order may set another number.',
      productCode: 3,
      containerTypes: ['machine', 'portable', 'cloud'],
      defaultOptions: { featureMap: 0x1, unitCounter: 1000 },
      orderOptions: ['unitCounter'],
    }),
  ];
  return { firmCode: DEMO_FIRM_CODE, products };
};
