import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { components } from '../../../api/schema.js';

export type Ticket = components['schemas']['Ticket'];
export type LicenseState = Ticket['licenses'][number]['state'];

export interface TicketFilter {
  q?: string;
  state?: LicenseState;
  groupId?: string;
  cursor?: string;
}

/** Tickets the caller can see: everything for ISV admins; for customers, their group's and their own. */
export const listTickets = (filter: TicketFilter) => {
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
  return call(api.GET('/api/v1/tickets', { params: { query: { limit: 50, ...query } } }));
};

export const ticketsQueryOptions = (filter: TicketFilter) =>
  queryOptions({
    queryKey: ['tickets', filter],
    queryFn: () => listTickets(filter),
    placeholderData: keepPreviousData,
  });

export const useTickets = (filter: TicketFilter) => useQuery(ticketsQueryOptions(filter));
