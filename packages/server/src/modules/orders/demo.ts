// Demo order for a first start with TESSERA_DEMO on: one order of the demo customer with two tickets (a
// one-year license and a pay-per-use license), created through the orders service like any other order.

import type { Trx } from '../../db/transaction.js';
import type { Caller } from '../accounts/service.js';
import { createOrdersService, type OrdersDeps, type OrderWithTickets } from './service.js';

export const seedDemoOrder = async (
  trx: Trx,
  deps: OrdersDeps,
  caller: Caller,
  customerGroupId: string,
): Promise<OrderWithTickets> =>
  createOrdersService(deps).createOrder(trx, caller, {
    customerGroupId,
    externalOrderId: 'DEMO-1',
    data: { note: 'demo order created at first start' },
    items: [
      { sku: 'TES-PRO-1Y', quantity: 1 },
      { sku: 'TES-PAYG', quantity: 1, options: { unitCounter: 500 } },
    ],
  });
