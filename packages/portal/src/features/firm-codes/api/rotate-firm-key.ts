import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';

export const rotateFirmKey = (firmCode: number) =>
  call(api.POST('/api/v1/firm-codes/{firmCode}/rotate-key', { params: { path: { firmCode } } }));

export const useRotateFirmKey = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: rotateFirmKey,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['firm-codes'] }),
  });
};

/** The .pub file the vendor embeds in its software (a plain GET: the browser downloads it). */
export const publicKeyUrl = (firmCode: number): string => `/api/v1/firm-codes/${firmCode}/public-key`;
