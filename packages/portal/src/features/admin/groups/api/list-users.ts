import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../../api/client.js';
import type { components } from '../../../../api/schema.js';

export type User = components['schemas']['User'];

export const listUsers = (groupId: string) =>
  call(api.GET('/api/v1/users', { params: { query: { groupId, limit: 100 } } }));

export const usersQueryOptions = (groupId: string) =>
  queryOptions({ queryKey: ['users', { groupId }], queryFn: () => listUsers(groupId) });

export const useUsers = (groupId: string | null) =>
  useQuery({ ...usersQueryOptions(groupId ?? ''), enabled: Boolean(groupId) });
