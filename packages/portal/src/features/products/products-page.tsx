// Products: what can be ordered — SKU, product code, firm code, and the license options every license of it
// gets by default.

import { Anchor, Badge, Button, Checkbox, Group, Table, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { DateTime, Mono } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { Pager, useCursorPages } from '../../components/pager.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { useProducts } from './api/list-products.js';

export const ProductsPage = () => {
  const [search, setSearch] = useState('');
  const [includeArchived, setIncludeArchived] = useState(false);
  const [q] = useDebouncedValue(search.trim(), 250);
  const pages = useCursorPages(`${q}|${includeArchived}`);
  const query = useProducts({ q, includeArchived, ...(pages.cursor ? { cursor: pages.cursor } : {}) });
  return (
    <Page
      title="Products"
      description="Products turn orders into licenses: each has a product code in a firm code and default license options."
      actions={
        <Button component={Link} to="/products/new" leftSection={<IconPlus size={16} aria-hidden />}>
          New product
        </Button>
      }
    >
      <Group gap="md" align="flex-end">
        <TextInput
          label="Search"
          placeholder="SKU or name"
          leftSection={<IconSearch size={16} aria-hidden />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={320}
        />
        <Checkbox
          label="Show archived"
          checked={includeArchived}
          onChange={(e) => setIncludeArchived(e.currentTarget.checked)}
          mb={8}
        />
      </Group>
      <QueryView
        query={query}
        isEmpty={(data) => data.items.length === 0}
        empty={
          <EmptyState title={q ? 'No product matches' : 'No products yet'}>
            {q ? 'Try another part of the SKU or name.' : 'Create a product to start taking orders.'}
          </EmptyState>
        }
      >
        {(data) => (
          <>
            <Table.ScrollContainer minWidth={760}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>SKU</Table.Th>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Firm code</Table.Th>
                    <Table.Th>Product code</Table.Th>
                    <Table.Th>Containers</Table.Th>
                    <Table.Th>Updated</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((p) => (
                    <Table.Tr key={p.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/products/${p.id}`} fw={600}>
                          <Mono>{p.sku}</Mono>
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs">
                          {p.name}
                          {p.archivedAt ? (
                            <Badge color="gray" variant="outline" size="sm">
                              archived
                            </Badge>
                          ) : null}
                        </Group>
                      </Table.Td>
                      <Table.Td>{p.firmCode}</Table.Td>
                      <Table.Td>{p.productCode}</Table.Td>
                      <Table.Td>{p.containerTypes.join(', ')}</Table.Td>
                      <Table.Td>
                        <DateTime value={p.updatedAt} />
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
