import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';

export const getOrder = (id: string) => call(api.GET('/api/v1/orders/{id}', { params: { path: { id } } }));

export const orderQueryOptions = (id: string) =>
  queryOptions({ queryKey: ['orders', 'detail', id], queryFn: () => getOrder(id) });

export const useOrder = (id: string) => useQuery(orderQueryOptions(id));
