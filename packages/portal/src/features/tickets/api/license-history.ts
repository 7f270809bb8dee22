import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { components } from '../../../api/schema.js';

export type HistoryEntry = components['schemas']['LicenseHistoryEntry'];

export const getLicenseHistory = (licenseId: string) =>
  call(api.GET('/api/v1/reports/license-history', { params: { query: { licenseId, limit: 100 } } }));

export const licenseHistoryQueryOptions = (licenseId: string) =>
  queryOptions({ queryKey: ['license-history', licenseId], queryFn: () => getLicenseHistory(licenseId) });

export const useLicenseHistory = (licenseId: string | null) =>
  useQuery({ ...licenseHistoryQueryOptions(licenseId ?? ''), enabled: licenseId !== null });
