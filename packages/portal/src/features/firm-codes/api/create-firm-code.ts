import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';

export interface CreateFirmCodeInput {
  firmCode: number;
  name: string;
}

export const createFirmCode = (body: CreateFirmCodeInput) => call(api.POST('/api/v1/firm-codes', { body }));

export const useCreateFirmCode = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createFirmCode,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['firm-codes'] }),
  });
};
