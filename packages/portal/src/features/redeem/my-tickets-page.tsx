// My tickets (customers): tickets allocated to me, or visible to my group; each leads to redeeming it.

import { Anchor, Button, Group, Table, TextInput, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { DateTime, Mono, StateBadge } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { Pager, useCursorPages } from '../../components/pager.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { useTickets } from '../tickets/api/list-tickets.js';

export const MyTicketsPage = () => {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.replace(/[\s-]/g, '').toUpperCase(), 250);
  const pages = useCursorPages(q);
  const query = useTickets({ ...(q ? { q } : {}), ...(pages.cursor ? { cursor: pages.cursor } : {}) });
  return (
    <Page
      title="My tickets"
      description="Tickets allocated to you or shared with your group. Open one to activate its licenses into a container."
    >
      <TextInput
        label="Ticket code"
        placeholder="Start of the code"
        leftSection={<IconSearch size={16} aria-hidden />}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        w={320}
      />
      <QueryView
        query={query}
        isEmpty={(data) => data.items.length === 0}
        empty={
          <EmptyState title={q ? 'No ticket matches' : 'No tickets for you yet'}>
            {q
              ? 'Check the code; only tickets allocated to you or your group are listed.'
              : 'When your vendor delivers licenses to you or your group, their tickets appear here.'}
          </EmptyState>
        }
      >
        {(data) => (
          <>
            <Table.ScrollContainer minWidth={680}>
              <Table data-testid="my-tickets">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Ticket</Table.Th>
                    <Table.Th>Products</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Received</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((t) => (
                    <Table.Tr key={t.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/my-tickets/${t.code}`}>
                          <Mono>{t.code}</Mono>
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{[...new Set(t.licenses.map((l) => l.productName))].join(', ')}</Table.Td>
                      <Table.Td>
                        <StateBadge state={t.status} />
                      </Table.Td>
                      <Table.Td>
                        <DateTime value={t.createdAt} dateOnly />
                      </Table.Td>
                      <Table.Td ta="right">
                        <Group justify="flex-end">
                          <Button size="xs" variant="light" component={Link} to={`/my-tickets/${t.code}`}>
                            {t.status === 'available' ? 'Activate' : 'Manage'}
                            <VisuallyHidden> ticket {t.code}</VisuallyHidden>
                          </Button>
                        </Group>
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
