// One order: who it is for, its free data fields, and the tickets it created with their licenses.

import { Anchor, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { DateTime, Mono, StateBadge } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/states.js';
import { groupPaths, useGroups } from '../admin/groups/api/list-groups.js';
import { useOrder } from './api/get-order.js';

export const OrderDetailPage = () => {
  const { id = '' } = useParams();
  const query = useOrder(id);
  const groups = useGroups();
  const paths = groupPaths(groups.data ?? []);
  return (
    <Page
      title="Order"
      description="The tickets below carry the licenses; hand a ticket code to the customer."
    >
      <QueryView query={query}>
        {({ order, tickets }) => (
          <Stack gap="lg">
            <Card withBorder radius="md">
              <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
                <div>
                  <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
                    Customer
                  </Text>
                  <Text>{paths.get(order.customerGroupId) ?? order.customerGroupId}</Text>
                </div>
                <div>
                  <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
                    Order id (ERP)
                  </Text>
                  <Text>{order.externalOrderId ?? '—'}</Text>
                </div>
                <div>
                  <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
                    Created
                  </Text>
                  <Text>
                    <DateTime value={order.createdAt} />
                  </Text>
                </div>
                <div>
                  <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
                    Pre-assigned container
                  </Text>
                  <Text>{order.containerSerial ?? '—'}</Text>
                </div>
              </SimpleGrid>
              {Object.keys(order.data).length > 0 ? (
                <Group gap="lg" mt="md">
                  {Object.entries(order.data).map(([key, value]) => (
                    <Text key={key} size="sm">
                      <Text span c="dimmed" size="sm">
                        {key}:
                      </Text>{' '}
                      {value}
                    </Text>
                  ))}
                </Group>
              ) : null}
            </Card>
            <Title order={2} size="h4">
              Tickets ({tickets.length})
            </Title>
            <Table.ScrollContainer minWidth={640}>
              <Table data-testid="order-tickets">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Ticket</Table.Th>
                    <Table.Th>Licenses</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {tickets.map((ticket) => (
                    <Table.Tr key={ticket.code}>
                      <Table.Td>
                        <Anchor component={Link} to={`/tickets/${ticket.code}`}>
                          <Mono>{ticket.code}</Mono>
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs">
                          {ticket.licenses.map((l) => (
                            <Group key={l.id} gap={6}>
                              <Text size="sm">
                                {l.sku} ({l.productCode})
                              </Text>
                              <StateBadge state={l.state} />
                            </Group>
                          ))}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Stack>
        )}
      </QueryView>
    </Page>
  );
};
