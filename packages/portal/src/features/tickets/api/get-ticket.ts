import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';

export const getTicket = (code: string) =>
  call(api.GET('/api/v1/tickets/{code}', { params: { path: { code } } }));

export const ticketQueryOptions = (code: string) =>
  queryOptions({
    queryKey: ['tickets', 'detail', code.replace(/[\s-]/g, '').toUpperCase()],
    queryFn: () => getTicket(code),
  });

export const useTicket = (code: string) => useQuery(ticketQueryOptions(code));
