import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { components } from '../../../api/schema.js';

export type Order = components['schemas']['Order'];

export interface OrderFilter {
  customerGroupId?: string;
  externalOrderId?: string;
  createdFrom?: string;
  createdTo?: string;
  cursor?: string;
}

export const listOrders = (filter: OrderFilter) => {
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
  return call(api.GET('/api/v1/orders', { params: { query: { limit: 50, ...query } } }));
};

export const ordersQueryOptions = (filter: OrderFilter) =>
  queryOptions({
    queryKey: ['orders', filter],
    queryFn: () => listOrders(filter),
    placeholderData: keepPreviousData,
  });

export const useOrders = (filter: OrderFilter) => useQuery(ordersQueryOptions(filter));
