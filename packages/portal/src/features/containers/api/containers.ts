// Container registry calls (ISV admins): list and detail, and the decisions — resolve a flagged container,
// blacklist, push an update built from Central's last known state.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { components } from '../../../api/schema.js';

export type Container = components['schemas']['Container'];
export type ContainerStatus = Container['status'];

export interface ContainerFilter {
  serial?: string;
  status?: ContainerStatus;
  cursor?: string;
}

export const listContainers = (filter: ContainerFilter) => {
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
  return call(api.GET('/api/v1/containers', { params: { query: { limit: 50, ...query } } }));
};

export const useContainers = (filter: ContainerFilter) =>
  useQuery({
    queryKey: ['containers', filter],
    queryFn: () => listContainers(filter),
    placeholderData: keepPreviousData,
  });

export const getContainer = (serial: string) =>
  call(api.GET('/api/v1/containers/{serial}', { params: { path: { serial } } }));

export const useContainer = (serial: string) =>
  useQuery({ queryKey: ['containers', 'detail', serial], queryFn: () => getContainer(serial) });

const useContainerMutation = <I, O>(fn: (input: I) => Promise<O>) => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['containers'] }),
  });
};

export const resolveContainer = ({
  serial,
  decision,
  note,
}: {
  serial: string;
  decision: 'accept' | 'blacklist';
  note?: string;
}) =>
  call(
    api.POST('/api/v1/containers/{serial}/resolve', {
      params: { path: { serial } },
      body: { decision, ...(note ? { note } : {}) },
    }),
  );
export const useResolveContainer = () => useContainerMutation(resolveContainer);

export const blacklistContainer = ({ serial, reason }: { serial: string; reason: string }) =>
  call(api.POST('/api/v1/containers/{serial}/blacklist', { params: { path: { serial } }, body: { reason } }));
export const useBlacklistContainer = () => useContainerMutation(blacklistContainer);

export const pushUpdate = ({ serial, firmCode }: { serial: string; firmCode?: number }) =>
  call(
    api.POST('/api/v1/containers/{serial}/push-update', {
      params: { path: { serial } },
      body: firmCode ? { firmCode } : {},
    }),
  );
export const usePushUpdate = () => useContainerMutation(pushUpdate);
