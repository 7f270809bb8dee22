import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { components } from '../../../api/schema.js';

export type Product = components['schemas']['Product'];

export interface ProductFilter {
  q?: string;
  firmCode?: number;
  includeArchived?: boolean;
  cursor?: string;
}

export const listProducts = ({ q, firmCode, includeArchived, cursor }: ProductFilter) =>
  call(
    api.GET('/api/v1/products', {
      params: {
        query: {
          limit: 100,
          ...(q ? { q } : {}),
          ...(firmCode ? { firmCode } : {}),
          ...(includeArchived ? { includeArchived: 'true' } : {}),
          ...(cursor ? { cursor } : {}),
        },
      },
    }),
  );

export const productsQueryOptions = (filter: ProductFilter) =>
  queryOptions({
    queryKey: ['products', filter],
    queryFn: () => listProducts(filter),
    placeholderData: keepPreviousData,
  });

export const useProducts = (filter: ProductFilter) => useQuery(productsQueryOptions(filter));
