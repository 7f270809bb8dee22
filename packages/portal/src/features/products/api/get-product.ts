import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';

export const getProduct = (id: string) =>
  call(api.GET('/api/v1/products/{id}', { params: { path: { id } } }));

export const productQueryOptions = (id: string) =>
  queryOptions({ queryKey: ['products', 'detail', id], queryFn: () => getProduct(id) });

export const useProduct = (id: string | undefined) =>
  useQuery({ ...productQueryOptions(id ?? ''), enabled: id !== undefined });
