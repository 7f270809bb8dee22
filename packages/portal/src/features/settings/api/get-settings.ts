import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { components } from '../../../api/schema.js';

export type Settings = components['schemas']['Settings'];

export const getSettings = () => call(api.GET('/api/v1/settings'));

export const settingsQueryOptions = () => queryOptions({ queryKey: ['settings'], queryFn: getSettings });

export const useSettings = () => useQuery(settingsQueryOptions());
