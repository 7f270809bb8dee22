// One webhook: pause/resume, ping, delete, and its delivery log with redelivery.

import { Button, Card, Group, Modal, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { DateTime, StateBadge } from '../../../components/display.js';
import { Page } from '../../../components/page.js';
import { Pager, useCursorPages } from '../../../components/pager.js';
import { EmptyState, QueryView } from '../../../components/states.js';
import { notifyError, notifySuccess } from '../../../lib/forms.js';
import {
  useDeleteWebhook,
  useDeliveries,
  usePingWebhook,
  useRedeliver,
  useSetWebhookActive,
  useWebhook,
} from './api/webhooks.js';

type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export const WebhookDetailPage = () => {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const webhook = useWebhook(id);
  const [status, setStatus] = useState<DeliveryStatus | null>(null);
  const pages = useCursorPages(String(status));
  const deliveries = useDeliveries(id, status, pages.cursor);
  const setActive = useSetWebhookActive();
  const ping = usePingWebhook();
  const redeliver = useRedeliver();
  const remove = useDeleteWebhook();
  const [confirmDelete, deleteDialog] = useDisclosure(false);

  return (
    <Page title="Webhook" description={webhook.data?.url}>
      <QueryView query={webhook}>
        {(w) => (
          <Stack gap="lg">
            <Card withBorder radius="md">
              <Group justify="space-between" align="flex-start">
                <Stack gap={4}>
                  <Group gap="xs">
                    <StateBadge state={w.active ? 'active' : 'disabled'} />
                    <Text size="sm" c="dimmed">
                      created <DateTime value={w.createdAt} />
                    </Text>
                  </Group>
                  <Text size="sm">Events: {w.events.join(', ')}</Text>
                  {w.previousSecretExpiresAt ? (
                    <Text size="sm" c="dimmed">
                      Previous secret still signs until <DateTime value={w.previousSecretExpiresAt} />
                    </Text>
                  ) : null}
                </Stack>
                <Group gap="sm">
                  <Button
                    variant="default"
                    loading={ping.isPending}
                    disabled={!w.active}
                    onClick={() =>
                      ping.mutate(w.id, {
                        onSuccess: () => notifySuccess('Ping queued.'),
                        onError: notifyError,
                      })
                    }
                  >
                    Send ping
                  </Button>
                  <Button
                    variant="default"
                    loading={setActive.isPending}
                    onClick={() =>
                      setActive.mutate(
                        { id: w.id, active: !w.active },
                        {
                          onSuccess: () => notifySuccess(w.active ? 'Webhook paused.' : 'Webhook resumed.'),
                          onError: notifyError,
                        },
                      )
                    }
                  >
                    {w.active ? 'Pause' : 'Resume'}
                  </Button>
                  <Button color="red" variant="light" onClick={deleteDialog.open}>
                    Delete
                  </Button>
                </Group>
              </Group>
            </Card>
            <Modal opened={confirmDelete} onClose={deleteDialog.close} title="Delete this webhook?">
              <Stack>
                <Text size="sm">
                  The subscription, its queue and its delivery log are deleted. Events stay in Central.
                </Text>
                <Group justify="flex-end">
                  <Button variant="default" onClick={deleteDialog.close}>
                    Cancel
                  </Button>
                  <Button
                    color="red"
                    loading={remove.isPending}
                    onClick={() =>
                      remove.mutate(w.id, {
                        onSuccess: () => {
                          notifySuccess('Webhook deleted.');
                          navigate('/admin/webhooks');
                        },
                        onError: notifyError,
                      })
                    }
                  >
                    Delete webhook
                  </Button>
                </Group>
              </Stack>
            </Modal>
            <Group justify="space-between" align="flex-end">
              <Title order={2} size="h4">
                Deliveries
              </Title>
              <Select
                label="Status"
                placeholder="All"
                data={['pending', 'delivered', 'failed']}
                value={status}
                onChange={(v) => setStatus(v === 'pending' || v === 'delivered' || v === 'failed' ? v : null)}
                clearable
                w={180}
              />
            </Group>
            <QueryView
              query={deliveries}
              isEmpty={(d) => d.items.length === 0}
              empty={
                <EmptyState title="No deliveries">
                  Deliveries appear when a subscribed event happens.
                </EmptyState>
              }
            >
              {(data) => (
                <>
                  <Table.ScrollContainer minWidth={820}>
                    <Table>
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>Event</Table.Th>
                          <Table.Th>Status</Table.Th>
                          <Table.Th>Attempts</Table.Th>
                          <Table.Th>Last attempt</Table.Th>
                          <Table.Th>Result</Table.Th>
                          <Table.Th />
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {data.items.map((d) => (
                          <Table.Tr key={d.id}>
                            <Table.Td>{d.eventType}</Table.Td>
                            <Table.Td>
                              <StateBadge state={d.status} />
                            </Table.Td>
                            <Table.Td>{d.attempts}</Table.Td>
                            <Table.Td>
                              <DateTime value={d.lastAttemptAt} />
                            </Table.Td>
                            <Table.Td>
                              <Text size="sm" lineClamp={2}>
                                {d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : '—')}
                              </Text>
                            </Table.Td>
                            <Table.Td ta="right">
                              <Button
                                size="xs"
                                variant="default"
                                onClick={() =>
                                  redeliver.mutate(d.id, {
                                    onSuccess: () => notifySuccess('Delivery queued again.'),
                                    onError: notifyError,
                                  })
                                }
                              >
                                Redeliver
                              </Button>
                            </Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </Table.ScrollContainer>
                  <Pager
                    page={pages.page}
                    nextCursor={data.nextCursor}
                    onNext={pages.next}
                    onPrevious={pages.previous}
                  />
                </>
              )}
            </QueryView>
          </Stack>
        )}
      </QueryView>
    </Page>
  );
};
