// One ticket (vendor view): allocation, each license's state, container and generation, and the selected
// license's history timeline. A license can be withdrawn from here.

import {
  Anchor,
  Button,
  Card,
  Group,
  Modal,
  Radio,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { DateTime, Mono, StateBadge } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/states.js';
import { notifyError, notifySuccess } from '../../lib/forms.js';
import { useTicket } from './api/get-ticket.js';
import type { Ticket } from './api/list-tickets.js';
import { useWithdrawLicense } from './api/withdraw-license.js';
import { LicenseHistoryTimeline } from './history-timeline.js';

const Field = ({ label, children }: { label: string; children: React.ReactNode }) => (
  <div>
    <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
      {label}
    </Text>
    <Text component="div">{children}</Text>
  </div>
);

const WithdrawButton = ({ license }: { license: Ticket['licenses'][number] }) => {
  const [opened, { open, close }] = useDisclosure(false);
  const withdraw = useWithdrawLicense();
  if (['withdrawn', 'revoked', 'replaced'].includes(license.state)) return null;
  return (
    <>
      <Button size="xs" variant="default" color="red" onClick={open}>
        Withdraw
      </Button>
      <Modal opened={opened} onClose={close} title="Withdraw this license?">
        <Stack>
          <Text size="sm">
            {license.containerSerial
              ? `The license is removed from container ${license.containerSerial} at its next contact.`
              : 'The license becomes unusable at once.'}{' '}
            This cannot be undone.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={withdraw.isPending}
              onClick={() =>
                withdraw.mutate(license.id, {
                  onSuccess: () => {
                    notifySuccess('License withdrawn.');
                    close();
                  },
                  onError: notifyError,
                })
              }
            >
              Withdraw license
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
};

export const TicketView = ({
  ticket,
  vendor,
  showHistory = true,
  actions,
}: {
  ticket: Ticket;
  vendor: boolean;
  showHistory?: boolean;
  /** Shown between the licenses and the history (the customer's redeem panel). */
  actions?: React.ReactNode;
}) => {
  const [selected, setSelected] = useState<string | null>(ticket.licenses[0]?.id ?? null);
  useEffect(() => {
    if (!ticket.licenses.some((l) => l.id === selected)) setSelected(ticket.licenses[0]?.id ?? null);
  }, [ticket, selected]);
  return (
    <Stack gap="lg">
      <Card withBorder radius="md">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <Field label="Status">
            <StateBadge state={ticket.status} />
          </Field>
          <Field label="Customer">{ticket.allocation.groupName}</Field>
          <Field label="Visible to">
            {ticket.allocation.userId ? 'one user' : 'the group'}
            {ticket.allocation.visibleToMembers ? ' (all members)' : ' (admins)'}
          </Field>
          <Field label="Order">
            {vendor ? (
              <Anchor component={Link} to={`/orders/${ticket.order.id}`}>
                {ticket.order.externalOrderId ?? 'Open order'}
              </Anchor>
            ) : (
              (ticket.order.externalOrderId ?? '—')
            )}
          </Field>
        </SimpleGrid>
      </Card>
      <Title order={2} size="h4">
        Licenses
      </Title>
      <Radio.Group value={selected} onChange={setSelected} aria-label="License whose history is shown">
        <Table.ScrollContainer minWidth={760}>
          <Table data-testid="ticket-licenses">
            <Table.Thead>
              <Table.Tr>
                {showHistory ? <Table.Th>History</Table.Th> : null}
                <Table.Th>Product</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Container</Table.Th>
                <Table.Th>Generation</Table.Th>
                <Table.Th>Activated</Table.Th>
                {vendor ? <Table.Th /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {ticket.licenses.map((l) => (
                <Table.Tr key={l.id} data-license-id={l.id}>
                  {showHistory ? (
                    <Table.Td>
                      <Radio value={l.id} aria-label={`Show the history of ${l.productName}`} />
                    </Table.Td>
                  ) : null}
                  <Table.Td>
                    {l.productName}{' '}
                    <Text span c="dimmed" size="sm">
                      ({l.sku}, {l.productCode})
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StateBadge state={l.state} />
                  </Table.Td>
                  <Table.Td>
                    {l.containerSerial ? (
                      vendor ? (
                        <Anchor component={Link} to={`/containers/${l.containerSerial}`}>
                          <Mono>{l.containerSerial}</Mono>
                        </Anchor>
                      ) : (
                        <Mono>{l.containerSerial}</Mono>
                      )
                    ) : l.preAssignedSerial ? (
                      <Text size="sm">
                        pre-assigned to <Mono>{l.preAssignedSerial}</Mono>
                      </Text>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>{l.generation}</Table.Td>
                  <Table.Td>
                    <DateTime value={l.activatedAt} />
                  </Table.Td>
                  {vendor ? (
                    <Table.Td ta="right">
                      <WithdrawButton license={l} />
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Radio.Group>
      {actions}
      {selected && showHistory ? (
        <Card withBorder radius="md">
          <Title order={3} size="h5" mb="md">
            History of {ticket.licenses.find((l) => l.id === selected)?.productName ?? 'the license'}
          </Title>
          <LicenseHistoryTimeline licenseId={selected} />
        </Card>
      ) : null}
    </Stack>
  );
};

export const TicketDetailPage = () => {
  const { code = '' } = useParams();
  const query = useTicket(code);
  return (
    <Page title={`Ticket ${code}`}>
      <QueryView query={query}>{(ticket) => <TicketView ticket={ticket} vendor />}</QueryView>
    </Page>
  );
};
