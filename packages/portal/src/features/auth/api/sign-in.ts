import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call, setCsrfToken } from '../../../api/client.js';
import { getMe, meQueryOptions } from './get-me.js';

export interface SignInInput {
  email: string;
  password: string;
}

export const signIn = async (input: SignInInput) => {
  const session = await call(api.POST('/api/v1/auth/login', { body: input }));
  setCsrfToken(session.csrfToken);
  return session;
};

export const useSignIn = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signIn,
    onSuccess: async () => {
      queryClient.removeQueries();
      queryClient.setQueryData(meQueryOptions().queryKey, await getMe());
    },
  });
};
