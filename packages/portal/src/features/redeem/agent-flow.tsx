// The online flow through `tessera agent` on the user's machine: find the agent (or explain how to start it),
// pick or create a container, then context → Central → import → receipt without a single file.

import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  List,
  Loader,
  Menu,
  Paper,
  Radio,
  Stack,
  Text,
  TextInput,
  ThemeIcon,
} from '@mantine/core';
import {
  IconCheck,
  IconChevronDown,
  IconCircleDashed,
  IconPlugConnected,
  IconPlus,
  IconX,
} from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorSentence } from '../../api/problem.js';
import { SecretValue } from '../../components/display.js';
import { notifyError, notifySuccess } from '../../lib/forms.js';
import { AgentError, agentCommand, normalizeAgentUrl } from './agent-client.js';
import {
  type GatewayResult,
  OPERATION_VERB,
  type Operation,
  requestUpdates,
  sendReceipt,
  updatesOf,
} from './api/gateway.js';
import type { Agent } from './use-agent.js';

const agentSentence = (error: unknown): string =>
  error instanceof AgentError ? error.message : errorSentence(error);

export const AgentConnection = ({ agent }: { agent: Agent }) => {
  const [address, setAddress] = useState(agent.url);
  const [addressError, setAddressError] = useState<string | null>(null);
  const origin = window.location.origin;
  const connect = () => {
    const url = normalizeAgentUrl(address);
    if (!url) {
      setAddressError('Enter a port or an address on this computer, e.g. 22350 or http://127.0.0.1:22350.');
      return;
    }
    setAddressError(null);
    setAddress(url);
    if (url === agent.url) void agent.refresh();
    else agent.setUrl(url);
  };
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="sm">
        <TextInput
          label="Agent address"
          description="Where tessera agent listens on this computer."
          value={address}
          onChange={(e) => setAddress(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              connect();
            }
          }}
          error={addressError}
          w={300}
        />
        <Button variant="default" onClick={connect} leftSection={<IconPlugConnected size={16} aria-hidden />}>
          Connect
        </Button>
      </Group>
      {agent.status.isPending ? (
        <Group gap="xs">
          <Loader size="xs" />
          <Text size="sm">Looking for the agent at {agent.url}…</Text>
        </Group>
      ) : agent.status.isSuccess ? (
        <Alert
          color="green"
          icon={<IconCheck aria-hidden />}
          role="status"
          title="Connected to tessera agent"
        >
          {agent.url} · {agent.status.data.containers} container
          {agent.status.data.containers === 1 ? '' : 's'} on this computer
        </Alert>
      ) : (
        <Alert color="yellow" title="No agent found" role="status">
          <Stack gap="xs">
            <Text size="sm">{agentSentence(agent.status.error)}</Text>
            <Text size="sm">
              Start the agent on this computer (it listens on 127.0.0.1 only and answers only the portals you
              allow):
            </Text>
            <SecretValue value={agentCommand(origin, agent.url)} label="agent command" />
            <Text size="sm">Leave it running, then choose Connect.</Text>
          </Stack>
        </Alert>
      )}
    </Stack>
  );
};

export const AgentContainerPicker = ({
  agent,
  value,
  onChange,
  exclude,
}: {
  agent: Agent;
  value: string | null;
  onChange: (serial: string | null) => void;
  exclude?: string | null;
}) => {
  const [creating, setCreating] = useState(false);
  const list = (agent.containers.data ?? []).filter((c) => c.serial !== exclude);
  const selected = list.some((c) => c.serial === value) ? value : null;
  if (!agent.status.isSuccess) return null;
  const create = async (type: 'machine' | 'portable') => {
    setCreating(true);
    try {
      const created = await agent.client.createContainer(type);
      await agent.refresh();
      onChange(created.serial);
      notifySuccess(`Container ${created.serial} created.`);
    } catch (e) {
      notifyError(new Error(agentSentence(e)));
    } finally {
      setCreating(false);
    }
  };
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Text fw={600} size="sm">
          Container on this computer
        </Text>
        <Menu position="bottom-end">
          <Menu.Target>
            <Button
              size="xs"
              variant="default"
              loading={creating}
              leftSection={<IconPlus size={14} aria-hidden />}
              rightSection={<IconChevronDown size={14} aria-hidden />}
            >
              New container
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => void create('machine')}>
              Machine container (bound to this computer)
            </Menu.Item>
            <Menu.Item onClick={() => void create('portable')}>Portable container</Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>
      {agent.containers.isPending ? (
        <Loader size="xs" role="status" aria-label="Loading containers" />
      ) : list.length === 0 ? (
        <Text size="sm" c="dimmed">
          No container yet. Create one to hold the licenses.
        </Text>
      ) : (
        <Radio.Group value={selected} onChange={onChange} aria-label="Container on this computer">
          <Stack gap={6}>
            {list.map((c) => (
              <Radio
                key={c.serial}
                value={c.serial}
                disabled={!c.openable}
                label={
                  <Group gap="xs">
                    <Text ff="monospace" size="sm">
                      {c.serial}
                    </Text>
                    <Badge size="sm" variant="light" color="gray">
                      {c.type}
                    </Badge>
                    {!c.openable ? (
                      <Text size="xs" c="dimmed">
                        does not open on this computer
                      </Text>
                    ) : null}
                  </Group>
                }
              />
            ))}
          </Stack>
        </Radio.Group>
      )}
    </Stack>
  );
};

type StepState = 'todo' | 'running' | 'done' | 'failed';
const STEPS = [
  'Write the context',
  'Ask Central for the update',
  'Import the update',
  'Send the receipt',
] as const;

const StepIcon = ({ state }: { state: StepState }) =>
  state === 'done' ? (
    <ThemeIcon color="green" size={20} radius="xl">
      <IconCheck size={12} aria-label="done" />
    </ThemeIcon>
  ) : state === 'failed' ? (
    <ThemeIcon color="red" size={20} radius="xl">
      <IconX size={12} aria-label="failed" />
    </ThemeIcon>
  ) : state === 'running' ? (
    <Loader size={18} role="img" aria-label="running" />
  ) : (
    <ThemeIcon color="gray" variant="light" size={20} radius="xl">
      <IconCircleDashed size={12} aria-label="to do" />
    </ThemeIcon>
  );

export const AgentRun = ({
  ticket,
  operation,
  serial,
  agent,
  ready,
  onIssued,
}: {
  ticket: string;
  operation: Operation | null;
  serial: string | null;
  agent: Agent;
  ready: string | null;
  onIssued?: () => void;
}) => {
  const queryClient = useQueryClient();
  const [states, setStates] = useState<StepState[]>(STEPS.map(() => 'todo'));
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<GatewayResult | null>(null);
  const running = states.includes('running');
  const verb = operation ? OPERATION_VERB[operation.kind] : 'Activate';

  const mark = (index: number, state: StepState) =>
    setStates((current) => current.map((s, i) => (i === index ? state : s)));

  const run = async () => {
    if (!operation || !serial) return;
    setError(null);
    setResult(null);
    setStates(STEPS.map(() => 'todo'));
    let step = 0;
    try {
      mark(0, 'running');
      const context = await agent.client.context({ serial });
      mark(0, 'done');
      step = 1;
      mark(1, 'running');
      const issued = await requestUpdates(ticket, operation, context.context);
      onIssued?.();
      mark(1, 'done');
      step = 2;
      mark(2, 'running');
      let lastUpdateId: string | undefined;
      for (const u of updatesOf(issued)) {
        const imported = await agent.client.importUpdate({
          update: u.update,
          serial,
          expectedNonce: context.nonce,
        });
        lastUpdateId = imported.updateId;
      }
      mark(2, 'done');
      step = 3;
      mark(3, 'running');
      const receipt = await agent.client.context({
        serial,
        ...(lastUpdateId ? { receiptFor: lastUpdateId } : {}),
      });
      const confirmed = await sendReceipt(receipt.context);
      mark(3, 'done');
      setResult(confirmed);
    } catch (e) {
      mark(step, 'failed');
      setError(agentSentence(e));
    } finally {
      void queryClient.invalidateQueries({ queryKey: ['tickets'] });
      void queryClient.invalidateQueries({ queryKey: ['license-history'] });
      void agent.refresh();
    }
  };

  return (
    <Stack gap="sm">
      {ready ? (
        <Text size="sm" c="dimmed">
          {ready}
        </Text>
      ) : null}
      <div>
        <Button
          onClick={() => void run()}
          loading={running}
          disabled={!agent.status.isSuccess || !serial || ready !== null}
        >
          {verb} online
        </Button>
      </div>
      {states.some((s) => s !== 'todo') ? (
        <Paper withBorder p="md" radius="md">
          <List spacing="xs" center aria-live="polite">
            {STEPS.map((label, i) => (
              <List.Item key={label} icon={<StepIcon state={states[i] ?? 'todo'} />}>
                <Text size="sm">{label}</Text>
              </List.Item>
            ))}
          </List>
        </Paper>
      ) : null}
      {error ? (
        <Alert color="red" role="alert" title="That did not work">
          {error}
        </Alert>
      ) : null}
      {result ? (
        <Alert color="green" role="status" title="Done">
          Central has the receipt from container <Code>{result.serial}</Code>; the license states above are up
          to date.
        </Alert>
      ) : null}
    </Stack>
  );
};
