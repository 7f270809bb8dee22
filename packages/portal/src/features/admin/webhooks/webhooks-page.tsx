// Webhooks (ISV admins): subscriptions of other systems to Central's events. Creating one shows its signing
// secret once.

import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { DateTime, SecretValue, StateBadge } from '../../../components/display.js';
import { Page } from '../../../components/page.js';
import { EmptyState, QueryView } from '../../../components/states.js';
import { applyProblem } from '../../../lib/forms.js';
import { EVENT_TYPES, useCreateWebhook, useWebhooks } from './api/webhooks.js';

type EventType = (typeof EVENT_TYPES)[number];

const CreateWebhookModal = ({ opened, onClose }: { opened: boolean; onClose: () => void }) => {
  const create = useCreateWebhook();
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const form = useForm<{ url: string; events: EventType[]; description: string }>({
    initialValues: {
      url: '',
      events: ['ticket.created', 'license.activated', 'license.confirmed'],
      description: '',
    },
    validate: {
      url: (v) =>
        /^https?:\/\/\S+$/.test(v.trim()) ? null : 'Enter an https:// URL (http:// only for internal hosts).',
      events: (v) => (v.length > 0 ? null : 'Choose at least one event.'),
    },
  });
  const close = () => {
    setSecret(null);
    setError(null);
    form.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="New webhook" size="lg">
      {secret ? (
        <Stack>
          <Alert color="yellow" title="Copy the signing secret now">
            Your receiver verifies the Tessera-Signature header with it. It is shown only now; if you lose it,
            rotate it.
          </Alert>
          <SecretValue value={secret} label="signing secret" />
          <Group justify="flex-end">
            <Button onClick={close}>I have stored it</Button>
          </Group>
        </Stack>
      ) : (
        <form
          noValidate
          onSubmit={form.onSubmit((v) => {
            setError(null);
            create.mutate(
              { url: v.url.trim(), events: v.events, description: v.description.trim() },
              { onSuccess: (r) => setSecret(r.secret), onError: (e) => setError(applyProblem(form, e)) },
            );
          })}
        >
          <Stack>
            {error ? (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            ) : null}
            <TextInput
              label="URL"
              placeholder="https://erp.example.com/tessera-events"
              required
              {...form.getInputProps('url')}
            />
            <TextInput label="Description" {...form.getInputProps('description')} />
            <Checkbox.Group label="Events" {...form.getInputProps('events')}>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing={6} mt={6}>
                {EVENT_TYPES.map((e) => (
                  <Checkbox key={e} value={e} label={e} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create webhook
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
};

export const WebhooksPage = () => {
  const webhooks = useWebhooks();
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <Page
      title="Webhooks"
      description="Central POSTs signed events to these URLs, retries with back-off and keeps a delivery log."
      actions={
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
          New webhook
        </Button>
      }
    >
      <CreateWebhookModal opened={opened} onClose={close} />
      <QueryView
        query={webhooks}
        isEmpty={(d) => d.items.length === 0}
        empty={
          <EmptyState title="No webhooks">Subscribe your ERP or CRM to ticket and license events.</EmptyState>
        }
      >
        {(data) => (
          <Table.ScrollContainer minWidth={720}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>URL</Table.Th>
                  <Table.Th>Events</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Created</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((w) => (
                  <Table.Tr key={w.id}>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/admin/webhooks/${w.id}`}
                        style={{ wordBreak: 'break-all' }}
                      >
                        {w.url}
                      </Anchor>
                      {w.description ? (
                        <Text size="xs" c="dimmed">
                          {w.description}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{w.events.join(', ')}</Text>
                    </Table.Td>
                    <Table.Td>
                      <StateBadge state={w.active ? 'active' : 'disabled'} />
                    </Table.Td>
                    <Table.Td>
                      <DateTime value={w.createdAt} dateOnly />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
    </Page>
  );
};
