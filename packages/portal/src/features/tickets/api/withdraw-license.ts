import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';

export const withdrawLicense = (id: string) =>
  call(api.POST('/api/v1/licenses/{id}/withdraw', { params: { path: { id } } }));

export const useWithdrawLicense = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: withdrawLicense,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['tickets'] });
      void queryClient.invalidateQueries({ queryKey: ['license-history'] });
    },
  });
};
