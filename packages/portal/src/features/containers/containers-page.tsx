// Containers (vendor): search by serial, filter by state; flagged containers stand out.

import { Anchor, Group, Select, Table, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { DateTime, Mono, StateBadge } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { Pager, useCursorPages } from '../../components/pager.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { type ContainerStatus, useContainers } from './api/containers.js';

const STATUSES: { value: ContainerStatus; label: string }[] = [
  { value: 'ok', label: 'ok' },
  { value: 'manipulation_detected', label: 'manipulation detected' },
  { value: 'blacklisted', label: 'blacklisted' },
  { value: 'recycled', label: 'recycled' },
];

export const ContainersPage = () => {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [serial] = useDebouncedValue(search.trim(), 250);
  const pages = useCursorPages(`${serial}|${status}`);
  const query = useContainers({
    ...(serial ? { serial } : {}),
    ...(status ? { status: status as ContainerStatus } : {}),
    ...(pages.cursor ? { cursor: pages.cursor } : {}),
  });
  return (
    <Page
      title="Containers"
      description="Every container Central has seen: machine-bound, portable and cloud."
    >
      <Group gap="md" align="flex-end">
        <TextInput
          label="Serial"
          placeholder="Start of the serial, e.g. 130-"
          leftSection={<IconSearch size={16} aria-hidden />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={280}
        />
        <Select
          label="State"
          placeholder="Any state"
          data={STATUSES}
          value={status}
          onChange={setStatus}
          clearable
          w={240}
        />
      </Group>
      <QueryView
        query={query}
        isEmpty={(data) => data.items.length === 0}
        empty={
          <EmptyState title={serial || status ? 'No container matches' : 'No containers yet'}>
            {serial || status
              ? 'Check the serial or clear the state filter.'
              : 'Containers appear at their first activation.'}
          </EmptyState>
        }
      >
        {(data) => (
          <>
            <Table.ScrollContainer minWidth={720}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Serial</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th>State</Table.Th>
                    <Table.Th>Last contact</Table.Th>
                    <Table.Th>First seen</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((c) => (
                    <Table.Tr key={c.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/containers/${c.serial}`}>
                          <Mono>{c.serial}</Mono>
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{c.type}</Table.Td>
                      <Table.Td>
                        <StateBadge state={c.status} />
                      </Table.Td>
                      <Table.Td>
                        <DateTime value={c.lastContactAt} />
                      </Table.Td>
                      <Table.Td>
                        <DateTime value={c.createdAt} dateOnly />
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
