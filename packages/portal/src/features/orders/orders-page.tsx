// Orders: search by customer, the ERP's order id and creation date; each order leads to its tickets.

import '@mantine/dates/styles.css';
import { Anchor, Button, Group, Select, Table, TextInput, VisuallyHidden } from '@mantine/core';
import { DatePickerInput, type DatesRangeValue } from '@mantine/dates';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { DateTime, Mono } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { Pager, useCursorPages } from '../../components/pager.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { groupPaths, useGroups } from '../admin/groups/api/list-groups.js';
import { useOrders } from './api/list-orders.js';

/** A local calendar day (YYYY-MM-DD) → the instant it starts, in the user's time zone. */
const localDayStart = (day: string, addDays = 0): string => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + addDays).toISOString();
};

export const OrdersPage = () => {
  const groups = useGroups();
  const [customer, setCustomer] = useState<string | null>(null);
  const [orderIdInput, setOrderIdInput] = useState('');
  const [externalOrderId] = useDebouncedValue(orderIdInput.trim(), 300);
  const [range, setRange] = useState<DatesRangeValue<string>>([null, null]);
  const filter = {
    ...(customer ? { customerGroupId: customer } : {}),
    ...(externalOrderId ? { externalOrderId } : {}),
    ...(range[0] ? { createdFrom: localDayStart(range[0]) } : {}),
    ...(range[1] ? { createdTo: localDayStart(range[1], 1) } : {}),
  };
  const pages = useCursorPages(JSON.stringify(filter));
  const query = useOrders({ ...filter, ...(pages.cursor ? { cursor: pages.cursor } : {}) });
  const paths = useMemo(() => groupPaths(groups.data ?? []), [groups.data]);
  const customers = (groups.data ?? [])
    .filter((g) => g.kind !== 'vendor')
    .map((g) => ({ value: g.id, label: paths.get(g.id) ?? g.name }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const filtered = Object.keys(filter).length > 0;

  return (
    <Page
      title="Orders"
      description="Every order creates tickets; a ticket carries the licenses a customer activates."
      actions={
        <Button component={Link} to="/orders/new" leftSection={<IconPlus size={16} aria-hidden />}>
          New order
        </Button>
      }
    >
      <Group gap="md" align="flex-end" wrap="wrap">
        <Select
          label="Customer"
          placeholder="All customers"
          data={customers}
          value={customer}
          onChange={setCustomer}
          searchable
          clearable
          w={280}
        />
        <TextInput
          label="Order id (ERP)"
          placeholder="Exact external order id"
          value={orderIdInput}
          onChange={(e) => setOrderIdInput(e.currentTarget.value)}
          w={220}
        />
        <DatePickerInput
          type="range"
          label="Created"
          placeholder="Any date"
          value={range}
          onChange={setRange}
          clearable
          w={260}
        />
      </Group>
      <QueryView
        query={query}
        isEmpty={(data) => data.items.length === 0}
        empty={
          <EmptyState title={filtered ? 'No order matches these filters' : 'No orders yet'}>
            {filtered
              ? 'Widen the date range or clear a filter.'
              : 'Create an order, or let your ERP send them through the API.'}
          </EmptyState>
        }
      >
        {(data) => (
          <>
            <Table.ScrollContainer minWidth={720}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Created</Table.Th>
                    <Table.Th>Customer</Table.Th>
                    <Table.Th>Order id (ERP)</Table.Th>
                    <Table.Th>Container</Table.Th>
                    <Table.Th>
                      <VisuallyHidden>Open</VisuallyHidden>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((order) => (
                    <Table.Tr key={order.id}>
                      <Table.Td>
                        <DateTime value={order.createdAt} />
                      </Table.Td>
                      <Table.Td>{paths.get(order.customerGroupId) ?? order.customerGroupId}</Table.Td>
                      <Table.Td>
                        {order.externalOrderId ? <Mono>{order.externalOrderId}</Mono> : '—'}
                      </Table.Td>
                      <Table.Td>
                        {order.containerSerial ? <Mono>{order.containerSerial}</Mono> : '—'}
                      </Table.Td>
                      <Table.Td ta="right">
                        <Anchor component={Link} to={`/orders/${order.id}`}>
                          Tickets
                          <VisuallyHidden> of order {order.externalOrderId ?? order.id}</VisuallyHidden>
                        </Anchor>
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
    </Page>
  );
};
