import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call, setCsrfToken } from '../../../api/client.js';
import { meQueryOptions } from './get-me.js';

export const signOut = async (): Promise<void> => {
  await call(api.POST('/api/v1/auth/logout'));
};

export const useSignOut = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signOut,
    onSettled: () => {
      setCsrfToken(null);
      queryClient.removeQueries();
      queryClient.setQueryData(meQueryOptions().queryKey, null);
    },
  });
};
