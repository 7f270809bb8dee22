// API tokens for scripts and ERP connectors: create one (its secret is shown once, with a copy button),
// see when each was last used, revoke.

import '@mantine/dates/styles.css';
import { Alert, Button, Checkbox, Group, Modal, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { DateInput } from '@mantine/dates';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconKey, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useSession } from '../../../app/session.js';
import { DateTime, Mono, SecretValue } from '../../../components/display.js';
import { Page } from '../../../components/page.js';
import { EmptyState, QueryView } from '../../../components/states.js';
import { applyProblem, notifyError, notifySuccess } from '../../../lib/forms.js';
import { type Scope, useApiTokens, useCreateApiToken, useRevokeApiToken } from './api/api-tokens.js';

const SCOPE_TEXT: Record<Scope, string> = {
  read: 'read — every GET you may make',
  write: 'write — your changes (orders, activations, your own tokens)',
  admin: 'admin — account administration, audit log, webhooks',
  connector: 'connector — an ERP or shop sending orders to the connector endpoint',
};

const CreateTokenModal = ({ opened, onClose }: { opened: boolean; onClose: () => void }) => {
  const { roles } = useSession();
  const create = useCreateApiToken();
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const form = useForm<{ name: string; scopes: Scope[]; expiresAt: string | null }>({
    initialValues: { name: '', scopes: ['read'], expiresAt: null },
    validate: {
      name: (v) => (v.trim() ? null : 'Give the token a name you will recognise.'),
      scopes: (v) => (v.length > 0 ? null : 'Choose at least one scope.'),
    },
  });
  const close = () => {
    setSecret(null);
    setError(null);
    form.reset();
    onClose();
  };
  const scopes: Scope[] = roles.isIsvAdmin
    ? ['read', 'write', 'admin', 'connector']
    : roles.isGroupAdmin
      ? ['read', 'write', 'admin']
      : ['read', 'write'];
  return (
    <Modal opened={opened} onClose={close} title="New API token" size="lg">
      {secret ? (
        <Stack>
          <Alert color="yellow" title="Copy the token now">
            This is the only time the secret is shown. Store it where your script or ERP keeps secrets; send
            it as
            <code> Authorization: Bearer …</code>
          </Alert>
          <SecretValue value={secret} label="API token" />
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
              {
                name: v.name.trim(),
                scopes: v.scopes,
                ...(v.expiresAt ? { expiresAt: new Date(`${v.expiresAt}T23:59:59`).toISOString() } : {}),
              },
              { onSuccess: (r) => setSecret(r.token), onError: (e) => setError(applyProblem(form, e)) },
            );
          })}
        >
          <Stack>
            {error ? (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            ) : null}
            <TextInput label="Name" placeholder="ERP connector" required {...form.getInputProps('name')} />
            <Checkbox.Group label="Scopes" {...form.getInputProps('scopes')}>
              <Stack gap={6} mt={6}>
                {scopes.map((s) => (
                  <Checkbox key={s} value={s} label={SCOPE_TEXT[s]} />
                ))}
              </Stack>
            </Checkbox.Group>
            <DateInput
              label="Expires"
              description="Optional: the last day the token works."
              clearable
              minDate={new Date()}
              {...form.getInputProps('expiresAt')}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button
                type="submit"
                loading={create.isPending}
                leftSection={<IconKey size={16} aria-hidden />}
              >
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
};

export const ApiTokensPage = () => {
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const tokens = useApiTokens(includeRevoked);
  const revoke = useRevokeApiToken();
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <Page
      title="API tokens"
      description="Tokens let scripts and your ERP call the API as you; a token never does more than you can."
      actions={
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
          New token
        </Button>
      }
    >
      <CreateTokenModal opened={opened} onClose={close} />
      <Switch
        label="Show revoked tokens"
        checked={includeRevoked}
        onChange={(e) => setIncludeRevoked(e.currentTarget.checked)}
      />
      <QueryView
        query={tokens}
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="No API tokens">Create one for a script or an ERP connector.</EmptyState>}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={760}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Token starts with</Table.Th>
                  <Table.Th>Scopes</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((t) => (
                  <Table.Tr key={t.id}>
                    <Table.Td>{t.name}</Table.Td>
                    <Table.Td>
                      <Mono>{`${t.prefix}…`}</Mono>
                    </Table.Td>
                    <Table.Td>{t.scopes.join(', ')}</Table.Td>
                    <Table.Td>
                      <DateTime value={t.lastUsedAt} />
                    </Table.Td>
                    <Table.Td>{t.expiresAt ? <DateTime value={t.expiresAt} dateOnly /> : 'never'}</Table.Td>
                    <Table.Td ta="right">
                      {t.revokedAt ? (
                        <Text size="sm" c="dimmed">
                          revoked <DateTime value={t.revokedAt} dateOnly />
                        </Text>
                      ) : (
                        <Button
                          size="xs"
                          variant="default"
                          color="red"
                          onClick={() =>
                            revoke.mutate(t.id, {
                              onSuccess: () => notifySuccess(`Token ${t.name} revoked.`),
                              onError: notifyError,
                            })
                          }
                        >
                          Revoke
                        </Button>
                      )}
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
