// Redeeming a ticket (customers): activate its licenses into a container, return them, or move them out of a
// lost container — each either with files (context up, update down, receipt up) or online through the local
// tessera agent.

import { Alert, Anchor, Checkbox, Paper, SegmentedControl, Select, Stack, Tabs, Text } from '@mantine/core';
import { IconArrowBackUp, IconBolt, IconLifebuoy } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useSession } from '../../app/session.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/states.js';
import { useTicket } from '../tickets/api/get-ticket.js';
import type { Ticket } from '../tickets/api/list-tickets.js';
import { TicketView } from '../tickets/ticket-detail-page.js';
import { AgentConnection, AgentContainerPicker, AgentRun } from './agent-flow.js';
import type { Operation } from './api/gateway.js';
import { FilesFlow } from './files-flow.js';
import { type Agent, useAgent } from './use-agent.js';

type Mode = 'files' | 'agent';
type License = Ticket['licenses'][number];

const ACTIVATABLE = new Set(['available', 'returned']);
const RETURNABLE = new Set(['collected', 'confirmed']);

const LicensePicker = ({
  licenses,
  selected,
  onChange,
  label,
}: {
  licenses: License[];
  selected: string[];
  onChange: (ids: string[]) => void;
  label: string;
}) => (
  <Checkbox.Group label={label} value={selected} onChange={onChange}>
    <Stack gap={6} mt={6}>
      {licenses.map((l) => (
        <Checkbox
          key={l.id}
          value={l.id}
          label={`${l.productName} (${l.sku})${l.containerSerial ? ` — in ${l.containerSerial}` : ''}`}
        />
      ))}
    </Stack>
  </Checkbox.Group>
);

const HowTo = ({
  mode,
  setMode,
  ticket,
  operation,
  ready,
  agent,
  excludeSerial,
  onIssued,
}: {
  onIssued: () => void;
  mode: Mode;
  setMode: (mode: Mode) => void;
  ticket: string;
  operation: Operation | null;
  ready: string | null;
  agent: Agent;
  excludeSerial?: string | null;
}) => {
  const [serial, setSerial] = useState<string | null>(null);
  return (
    <Stack gap="md">
      <SegmentedControl
        value={mode}
        onChange={(v) => setMode(v === 'agent' ? 'agent' : 'files')}
        data={[
          { value: 'files', label: 'With files' },
          { value: 'agent', label: 'Online with tessera agent' },
        ]}
        aria-label="How to reach the container"
        w={{ base: '100%', sm: 420 }}
      />
      {mode === 'files' ? (
        <FilesFlow ticket={ticket} operation={operation} ready={ready} onIssued={onIssued} />
      ) : (
        <Stack gap="md">
          <AgentConnection agent={agent} />
          <AgentContainerPicker
            agent={agent}
            value={serial}
            onChange={setSerial}
            exclude={excludeSerial ?? null}
          />
          <AgentRun
            ticket={ticket}
            operation={operation}
            serial={serial !== null && serial !== excludeSerial ? serial : null}
            agent={agent}
            ready={ready}
            onIssued={onIssued}
          />
        </Stack>
      )}
    </Stack>
  );
};

const Redeem = ({ ticket }: { ticket: Ticket }) => {
  const agent = useAgent();
  const [mode, setMode] = useState<Mode>('files');
  const activatable = ticket.licenses.filter((l) => ACTIVATABLE.has(l.state));
  const returnable = ticket.licenses.filter((l) => RETURNABLE.has(l.state));
  const lostSerials = [
    ...new Set(returnable.map((l) => l.containerSerial).filter((s): s is string => s !== null)),
  ];
  const [toActivate, setToActivate] = useState<string[]>(activatable.map((l) => l.id));
  const [toReturn, setToReturn] = useState<string[]>([]);
  const [lostSerial, setLostSerial] = useState<string | null>(null);
  const [tab, setTab] = useState<string | null>(activatable.length > 0 ? 'activate' : 'return');
  // A flow that got its update keeps its panel open (download, import, receipt) while the ticket changes.
  const [inFlight, setInFlight] = useState<string | null>(null);
  const changeTab = (next: string | null) => {
    setInFlight(null);
    setTab(next);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: prune selections when the ticket reloads
  useEffect(() => {
    setToActivate((ids) => ids.filter((id) => activatable.some((l) => l.id === id)));
    setToReturn((ids) => ids.filter((id) => returnable.some((l) => l.id === id)));
  }, [ticket]);

  return (
    <Paper withBorder radius="md" p="lg">
      <Tabs value={tab} onChange={changeTab} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="activate" leftSection={<IconBolt size={16} aria-hidden />}>
            Activate
          </Tabs.Tab>
          <Tabs.Tab value="return" leftSection={<IconArrowBackUp size={16} aria-hidden />}>
            Return
          </Tabs.Tab>
          <Tabs.Tab value="lost" leftSection={<IconLifebuoy size={16} aria-hidden />}>
            Lost container
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="activate">
          {activatable.length === 0 && inFlight !== 'activate' ? (
            <Text size="sm" c="dimmed">
              Every license of this ticket is already in a container. Return one first to move it.
            </Text>
          ) : (
            <Stack gap="md">
              {activatable.length > 0 ? (
                <LicensePicker
                  licenses={activatable}
                  selected={toActivate}
                  onChange={setToActivate}
                  label="Licenses to activate"
                />
              ) : null}
              <HowTo
                onIssued={() => setInFlight('activate')}
                mode={mode}
                setMode={setMode}
                ticket={ticket.code}
                agent={agent}
                operation={{ kind: 'activate', licenses: toActivate }}
                ready={toActivate.length === 0 ? 'Choose at least one license.' : null}
              />
            </Stack>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="return">
          {returnable.length === 0 && inFlight !== 'return' ? (
            <Text size="sm" c="dimmed">
              No license of this ticket is in a container, so there is nothing to return.
            </Text>
          ) : (
            <Stack gap="md">
              <Text size="sm">
                Returning removes a license from its container so you can activate it elsewhere. Whether you
                may return licenses is set by your vendor.
              </Text>
              {returnable.length > 0 ? (
                <LicensePicker
                  licenses={returnable}
                  selected={toReturn}
                  onChange={setToReturn}
                  label="Licenses to return"
                />
              ) : null}
              <HowTo
                onIssued={() => setInFlight('return')}
                mode={mode}
                setMode={setMode}
                ticket={ticket.code}
                agent={agent}
                operation={{ kind: 'deactivate', licenses: toReturn }}
                ready={toReturn.length === 0 ? 'Choose at least one license.' : null}
              />
            </Stack>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="lost">
          {lostSerials.length === 0 && inFlight !== 'lost' ? (
            <Text size="sm" c="dimmed">
              No license of this ticket is in a container.
            </Text>
          ) : (
            <Stack gap="md">
              <Alert color="yellow" title="Report a lost container">
                If a computer or portable container is lost or broken, its licenses can be reactivated into a
                new container, within your vendor's policy (a limited number of times, with a waiting time).
                The lost container loses them at its next contact.
              </Alert>
              <Select
                label="Lost container"
                placeholder="Choose the container that is lost"
                data={lostSerials}
                value={lostSerial}
                onChange={setLostSerial}
                w={320}
              />
              <HowTo
                onIssued={() => setInFlight('lost')}
                mode={mode}
                setMode={setMode}
                ticket={ticket.code}
                agent={agent}
                excludeSerial={lostSerial}
                operation={lostSerial ? { kind: 'reactivate', lostSerial } : null}
                ready={lostSerial ? null : 'Choose the lost container first.'}
              />
            </Stack>
          )}
        </Tabs.Panel>
      </Tabs>
    </Paper>
  );
};

export const RedeemPage = () => {
  const { code = '' } = useParams();
  const query = useTicket(code);
  const { roles } = useSession();
  return (
    <Page
      title={`Ticket ${code}`}
      description={
        <>
          <Anchor component={Link} to="/my-tickets" size="sm" underline="always">
            My tickets
          </Anchor>{' '}
          › redeem, return or recover the licenses of this ticket
        </>
      }
    >
      <QueryView query={query}>
        {(ticket) => (
          <TicketView
            ticket={ticket}
            vendor={false}
            showHistory={roles.isGroupAdmin}
            actions={<Redeem ticket={ticket} />}
          />
        )}
      </QueryView>
    </Page>
  );
};
