import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { paths } from '../../../api/schema.js';

export type PatchSettingsBody = NonNullable<
  paths['/api/v1/settings']['patch']['requestBody']
>['content']['application/json'];

export const updateSettings = (body: PatchSettingsBody) => call(api.PATCH('/api/v1/settings', { body }));

export const useUpdateSettings = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateSettings,
    onSuccess: (settings) => queryClient.setQueryData(['settings'], settings),
  });
};
