import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../api/client.js';
import type { paths } from '../../../api/schema.js';

export type CreateProductBody = NonNullable<
  paths['/api/v1/products']['post']['requestBody']
>['content']['application/json'];
export type PatchProductBody = NonNullable<
  paths['/api/v1/products/{id}']['patch']['requestBody']
>['content']['application/json'];

export const createProduct = (body: CreateProductBody) => call(api.POST('/api/v1/products', { body }));

export const updateProduct = ({ id, body }: { id: string; body: PatchProductBody }) =>
  call(api.PATCH('/api/v1/products/{id}', { params: { path: { id } }, body }));

export const setProductArchived = ({ id, archived }: { id: string; archived: boolean }) =>
  archived
    ? call(api.POST('/api/v1/products/{id}/archive', { params: { path: { id } } }))
    : call(api.POST('/api/v1/products/{id}/unarchive', { params: { path: { id } } }));

const useProductMutation = <I, O>(fn: (input: I) => Promise<O>) => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['products'] }),
  });
};

export const useCreateProduct = () => useProductMutation(createProduct);
export const useUpdateProduct = () => useProductMutation(updateProduct);
export const useSetProductArchived = () => useProductMutation(setProductArchived);
