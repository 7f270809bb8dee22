// A paged report table with a CSV download of the whole list, shared by every tabular report.

import { Button, Group, Table, Text } from '@mantine/core';
import { IconFileSpreadsheet } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Pager, useCursorPages } from '../../components/pager.js';
import { EmptyState, QueryView } from '../../components/states.js';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
}

export const ReportTable = <T,>({
  queryKey,
  fetchPage,
  columns,
  rowKey,
  csvHref,
  enabled = true,
  emptyTitle,
  emptyText,
}: {
  queryKey: unknown[];
  fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  csvHref: string;
  enabled?: boolean;
  emptyTitle: string;
  emptyText?: string;
}) => {
  const pages = useCursorPages(JSON.stringify(queryKey));
  const query = useQuery({
    queryKey: ['reports', ...queryKey, pages.cursor],
    queryFn: () => fetchPage(pages.cursor),
    enabled,
    placeholderData: keepPreviousData,
  });
  if (!enabled) return null;
  return (
    <QueryView
      query={query}
      isEmpty={(data) => data.items.length === 0}
      empty={<EmptyState title={emptyTitle}>{emptyText}</EmptyState>}
    >
      {(data) => (
        <>
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {data.items.length} row{data.items.length === 1 ? '' : 's'} on this page
            </Text>
            <Button
              component="a"
              href={csvHref}
              download
              variant="default"
              size="xs"
              leftSection={<IconFileSpreadsheet size={16} aria-hidden />}
            >
              Download CSV
            </Button>
          </Group>
          <Table.ScrollContainer minWidth={760}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((c) => (
                    <Table.Th key={c.header}>{c.header}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((row) => (
                  <Table.Tr key={rowKey(row)}>
                    {columns.map((c) => (
                      <Table.Td key={c.header}>{c.cell(row)}</Table.Td>
                    ))}
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
  );
};
