// Tickets (vendor view): search by the start of the code and filter by license state.

import { Anchor, Group, Select, Table, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { DateTime, Mono, StateBadge } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { Pager, useCursorPages } from '../../components/pager.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { type LicenseState, useTickets } from './api/list-tickets.js';

export const LICENSE_STATES: LicenseState[] = [
  'available',
  'collected',
  'confirmed',
  'returning',
  'returned',
  'withdrawn',
  'revoked',
  'replaced',
];

export const TicketsPage = () => {
  const [search, setSearch] = useState('');
  const [state, setState] = useState<string | null>(null);
  const [q] = useDebouncedValue(search.replace(/[\s-]/g, '').toUpperCase(), 250);
  const pages = useCursorPages(`${q}|${state}`);
  const query = useTickets({
    ...(q ? { q } : {}),
    ...(state ? { state: state as LicenseState } : {}),
    ...(pages.cursor ? { cursor: pages.cursor } : {}),
  });
  return (
    <Page
      title="Tickets"
      description="A ticket carries one or a few licenses; its code is what the customer redeems."
    >
      <Group gap="md" align="flex-end">
        <TextInput
          label="Ticket code"
          placeholder="Start of the code, e.g. ABCDE-FG"
          leftSection={<IconSearch size={16} aria-hidden />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={320}
        />
        <Select
          label="License state"
          placeholder="Any state"
          data={LICENSE_STATES}
          value={state}
          onChange={setState}
          clearable
          w={200}
        />
      </Group>
      <QueryView
        query={query}
        isEmpty={(data) => data.items.length === 0}
        empty={
          <EmptyState title={q || state ? 'No ticket matches' : 'No tickets yet'}>
            {q || state ? 'Check the code or clear the state filter.' : 'Tickets are created by orders.'}
          </EmptyState>
        }
      >
        {(data) => (
          <>
            <Table.ScrollContainer minWidth={760}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Ticket</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Customer</Table.Th>
                    <Table.Th>Products</Table.Th>
                    <Table.Th>Created</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((t) => (
                    <Table.Tr key={t.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/tickets/${t.code}`}>
                          <Mono>{t.code}</Mono>
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <StateBadge state={t.status} />
                      </Table.Td>
                      <Table.Td>{t.allocation.groupName}</Table.Td>
                      <Table.Td>{[...new Set(t.licenses.map((l) => l.productName))].join(', ')}</Table.Td>
                      <Table.Td>
                        <DateTime value={t.createdAt} />
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
