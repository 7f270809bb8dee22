import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { components } from '../../../api/schema.js';

export type FirmCode = components['schemas']['FirmCode'];

export const listFirmCodes = (cursor?: string) =>
  call(api.GET('/api/v1/firm-codes', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));

export const firmCodesQueryOptions = (cursor?: string) =>
  queryOptions({ queryKey: ['firm-codes', { cursor }], queryFn: () => listFirmCodes(cursor) });

export const useFirmCodes = (cursor?: string) => useQuery(firmCodesQueryOptions(cursor));
