import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../../api/client.js';
import type { components, paths } from '../../../../api/schema.js';

export type Webhook = components['schemas']['Webhook'];
export type Delivery = components['schemas']['WebhookDelivery'];

type EventType = NonNullable<
  paths['/api/v1/webhooks']['post']['requestBody']
>['content']['application/json']['events'][number];

/** Every event a subscription can receive (checked against the API's enum). */
export const EVENT_TYPES = [
  'ticket.created',
  'license.activated',
  'license.confirmed',
  'license.returned',
  'license.withdrawn',
  'container.blacklisted',
  'container.manipulation_detected',
] as const satisfies readonly EventType[];

export const useWebhooks = () =>
  useQuery({
    queryKey: ['webhooks'],
    queryFn: () => call(api.GET('/api/v1/webhooks', { params: { query: { limit: 100 } } })),
  });

export const useWebhook = (id: string) =>
  useQuery({
    queryKey: ['webhooks', id],
    queryFn: () => call(api.GET('/api/v1/webhooks/{id}', { params: { path: { id } } })),
  });

export const useDeliveries = (
  id: string,
  status: 'pending' | 'delivered' | 'failed' | null,
  cursor?: string,
) =>
  useQuery({
    queryKey: ['webhooks', id, 'deliveries', { status, cursor }],
    queryFn: () =>
      call(
        api.GET('/api/v1/webhooks/{id}/deliveries', {
          params: {
            path: { id },
            query: { limit: 50, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

const useWebhookMutation = <I, O>(fn: (input: I) => Promise<O>) => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks'] }),
  });
};

export const useCreateWebhook = () =>
  useWebhookMutation((body: { url: string; events: EventType[]; description?: string }) =>
    call(api.POST('/api/v1/webhooks', { body })),
  );

export const useSetWebhookActive = () =>
  useWebhookMutation(({ id, active }: { id: string; active: boolean }) =>
    call(api.PATCH('/api/v1/webhooks/{id}', { params: { path: { id } }, body: { active } })),
  );

export const useDeleteWebhook = () =>
  useWebhookMutation((id: string) => call(api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } })));

export const usePingWebhook = () =>
  useWebhookMutation((id: string) =>
    call(api.POST('/api/v1/webhooks/{id}/ping', { params: { path: { id } } })),
  );

export const useRedeliver = () =>
  useWebhookMutation((id: string) =>
    call(api.POST('/api/v1/webhook-deliveries/{id}/redeliver', { params: { path: { id } } })),
  );
