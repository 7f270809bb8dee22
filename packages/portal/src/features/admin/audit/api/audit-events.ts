import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../../api/client.js';
import type { components } from '../../../../api/schema.js';

export type AuditEvent = components['schemas']['AuditEvent'];

export interface AuditFilter {
  subjectType?: string;
  subjectId?: string;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
  cursor?: string;
}

export const listAuditEvents = (filter: AuditFilter) => {
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
  return call(api.GET('/api/v1/audit-events', { params: { query: { limit: 50, ...query } } }));
};

export const useAuditEvents = (filter: AuditFilter) =>
  useQuery({
    queryKey: ['audit-events', filter],
    queryFn: () => listAuditEvents(filter),
    placeholderData: keepPreviousData,
  });
