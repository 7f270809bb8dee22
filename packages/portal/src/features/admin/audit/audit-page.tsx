// The audit log: every change, newest first, filtered by subject, actor, action and time range, with
// cursor paging. ISV admins see everything, group admins their subtree.

import '@mantine/dates/styles.css';
import { Code, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { DateTimePicker } from '@mantine/dates';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { DateTime, Mono } from '../../../components/display.js';
import { Page } from '../../../components/page.js';
import { Pager, useCursorPages } from '../../../components/pager.js';
import { EmptyState, QueryView } from '../../../components/states.js';
import { type AuditFilter, useAuditEvents } from './api/audit-events.js';

const SUBJECT_TYPES = [
  'group',
  'user',
  'membership',
  'invitation',
  'api_token',
  'firm_code',
  'product',
  'settings',
  'order',
  'ticket',
  'license',
  'container',
  'webhook',
  'system',
];

/** "2026-03-01 09:00:00" (the picker's local time) → an ISO instant. */
const toInstant = (value: string | null): string | undefined =>
  value ? new Date(value.replace(' ', 'T')).toISOString() : undefined;

export const AuditPage = () => {
  const [subjectType, setSubjectType] = useState<string | null>(null);
  const [subjectIdInput, setSubjectId] = useState('');
  const [actionInput, setAction] = useState('');
  const [actorInput, setActor] = useState('');
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const [subjectId] = useDebouncedValue(subjectIdInput.trim(), 300);
  const [action] = useDebouncedValue(actionInput.trim(), 300);
  const [actor] = useDebouncedValue(actorInput.trim(), 300);
  const actorValid = actor === '' || /^[0-9a-f-]{36}$/i.test(actor);
  const filter: AuditFilter = {
    ...(subjectType ? { subjectType } : {}),
    ...(subjectId ? { subjectId } : {}),
    ...(action ? { action } : {}),
    ...(actor && actorValid ? { actor } : {}),
    ...(toInstant(from) ? { from: toInstant(from) } : {}),
    ...(toInstant(to) ? { to: toInstant(to) } : {}),
  };
  const pages = useCursorPages(JSON.stringify(filter));
  const events = useAuditEvents({ ...filter, ...(pages.cursor ? { cursor: pages.cursor } : {}) });
  return (
    <Page
      title="Audit log"
      description="Every change in Central, written in the same transaction as the change itself."
    >
      <SimpleGrid cols={{ base: 2, sm: 3, xl: 6 }} spacing="md">
        <Select
          label="Subject type"
          placeholder="Any"
          data={SUBJECT_TYPES}
          value={subjectType}
          onChange={setSubjectType}
          clearable
          searchable
        />
        <TextInput
          label="Subject id"
          value={subjectIdInput}
          onChange={(e) => setSubjectId(e.currentTarget.value)}
        />
        <TextInput
          label="Action"
          placeholder="e.g. license.activated"
          value={actionInput}
          onChange={(e) => setAction(e.currentTarget.value)}
        />
        <TextInput
          label="Actor (user id)"
          value={actorInput}
          onChange={(e) => setActor(e.currentTarget.value)}
          error={actorValid ? undefined : 'A user id looks like 0190f3c2-…'}
        />
        <DateTimePicker label="From" placeholder="Any time" value={from} onChange={setFrom} clearable />
        <DateTimePicker label="Until" placeholder="Now" value={to} onChange={setTo} clearable />
      </SimpleGrid>
      <QueryView
        query={events}
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="No entries match">Clear a filter or widen the time range.</EmptyState>}
      >
        {(data) => (
          <>
            <Table.ScrollContainer minWidth={900}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>When</Table.Th>
                    <Table.Th>Action</Table.Th>
                    <Table.Th>Subject</Table.Th>
                    <Table.Th>Actor</Table.Th>
                    <Table.Th>Details</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((e) => (
                    <Table.Tr key={e.id}>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <DateTime value={e.at} />
                      </Table.Td>
                      <Table.Td>
                        <Mono>{e.action}</Mono>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{e.subjectType}</Text>
                        {e.subjectId ? (
                          <Text size="xs" c="dimmed" ff="monospace">
                            {e.subjectId}
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" ff="monospace">
                          {e.actorUserId ?? 'system'}
                        </Text>
                        {e.actorTokenId ? (
                          <Text size="xs" c="dimmed">
                            via API token
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td maw={360}>
                        {Object.keys(e.data).length > 0 ? (
                          <Code
                            block
                            tabIndex={0}
                            role="region"
                            aria-label="Event data"
                            style={{ maxHeight: 96, overflow: 'auto', fontSize: 11 }}
                          >
                            {JSON.stringify(e.data, null, 1)}
                          </Code>
                        ) : (
                          '—'
                        )}
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
