import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { paths } from '../../../api/schema.js';

export type CreateOrderBody = NonNullable<
  paths['/api/v1/orders']['post']['requestBody']
>['content']['application/json'];

export const createOrder = ({ body, idempotencyKey }: { body: CreateOrderBody; idempotencyKey: string }) =>
  call(api.POST('/api/v1/orders', { body, params: { header: { 'idempotency-key': idempotencyKey } } }));

export const useCreateOrder = () => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createOrder,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      void queryClient.invalidateQueries({ queryKey: ['tickets'] });
    },
  });
};
