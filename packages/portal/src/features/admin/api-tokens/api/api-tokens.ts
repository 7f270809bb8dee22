import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../../api/client.js';
import type { components } from '../../../../api/schema.js';

export type ApiToken = components['schemas']['ApiToken'];
export type Scope = ApiToken['scopes'][number];

export const useApiTokens = (includeRevoked: boolean) =>
  useQuery({
    queryKey: ['api-tokens', { includeRevoked }],
    queryFn: () =>
      call(
        api.GET('/api/v1/api-tokens', {
          params: { query: { limit: 100, includeRevoked: String(includeRevoked) } },
        }),
      ),
  });

export const useCreateApiToken = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; scopes: Scope[]; expiresAt?: string }) =>
      call(api.POST('/api/v1/api-tokens', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-tokens'] }),
  });
};

export const useRevokeApiToken = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(api.DELETE('/api/v1/api-tokens/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-tokens'] }),
  });
};
