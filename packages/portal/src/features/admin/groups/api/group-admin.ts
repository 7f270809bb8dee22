// Group administration calls: subgroups, memberships and roles, invitations, enabling/disabling users.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../../api/client.js';
import type { components } from '../../../../api/schema.js';

export type Membership = components['schemas']['Membership'];
export type Invitation = components['schemas']['Invitation'];
export type Role = Membership['role'];

export const useMemberships = (groupId: string) =>
  useQuery({
    queryKey: ['memberships', { groupId }],
    queryFn: () => call(api.GET('/api/v1/memberships', { params: { query: { groupId, limit: 100 } } })),
  });

export const useInvitations = (groupId: string) =>
  useQuery({
    queryKey: ['invitations', { groupId }],
    queryFn: () => call(api.GET('/api/v1/invitations', { params: { query: { groupId, limit: 100 } } })),
  });

const useAdminMutation = <I, O>(fn: (input: I) => Promise<O>, keys: string[]) => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all(keys.map((key) => queryClient.invalidateQueries({ queryKey: [key] }))),
  });
};

export const useCreateGroup = () =>
  useAdminMutation(
    (body: { parentId: string; name: string; kind: 'reseller' | 'customer'; externalId?: string }) =>
      call(api.POST('/api/v1/groups', { body })),
    ['groups'],
  );

export const useInvite = () =>
  useAdminMutation(
    (body: { groupId: string; email: string; role: Role }) => call(api.POST('/api/v1/invitations', { body })),
    ['invitations'],
  );

export const useRevokeInvitation = () =>
  useAdminMutation(
    (id: string) => call(api.DELETE('/api/v1/invitations/{id}', { params: { path: { id } } })),
    ['invitations'],
  );

export const useChangeRole = () =>
  useAdminMutation(
    ({ id, role }: { id: string; role: Role }) =>
      call(api.PATCH('/api/v1/memberships/{id}', { params: { path: { id } }, body: { role } })),
    ['memberships', 'me'],
  );

export const useRemoveMembership = () =>
  useAdminMutation(
    (id: string) => call(api.DELETE('/api/v1/memberships/{id}', { params: { path: { id } } })),
    ['memberships', 'users'],
  );

export const useSetUserEnabled = () =>
  useAdminMutation(
    ({ id, enabled }: { id: string; enabled: boolean }) =>
      enabled
        ? call(api.POST('/api/v1/users/{id}/enable', { params: { path: { id } } }))
        : call(api.POST('/api/v1/users/{id}/disable', { params: { path: { id } } })),
    ['users'],
  );
