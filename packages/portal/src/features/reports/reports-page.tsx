// Reports (admins): the tables of /api/v1/reports with CSV downloads, and the two charts where a chart reads
// better than a table. Group admins see the rows of the groups they administer.

import '@mantine/dates/styles.css';
import { Group, NumberInput, Select, Stack, Tabs, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { lazy, Suspense, useMemo, useState } from 'react';
import { DateTime, Mono, StateBadge } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { PageLoader } from '../../components/states.js';
import { groupPaths, useGroups } from '../admin/groups/api/list-groups.js';
import {
  type BlacklistLock,
  blacklistLocks,
  containerLicenses,
  csvUrl,
  customerContainers,
  expiringLicenses,
  manipulatedContainers,
  type ReportContainer,
  type ReportLicense,
  ticketLicenses,
} from './api/reports.js';
import { type Column, ReportTable } from './report-table.js';

const ReportCharts = lazy(async () => ({ default: (await import('./charts.js')).ReportCharts }));

const licenseColumns = (...names: (keyof ReportLicense)[]): Column<ReportLicense>[] => {
  const all: Partial<Record<keyof ReportLicense, Column<ReportLicense>>> = {
    expiresAt: { header: 'Expires', cell: (r) => (r.expiresAt ? <DateTime value={r.expiresAt} /> : 'never') },
    ticket: { header: 'Ticket', cell: (r) => (r.ticket ? <Mono>{r.ticket}</Mono> : '—') },
    productName: { header: 'Product', cell: (r) => `${r.productName} (${r.productCode})` },
    state: { header: 'State', cell: (r) => <StateBadge state={r.state} /> },
    generation: { header: 'Gen.', cell: (r) => r.generation },
    groupName: { header: 'Customer', cell: (r) => r.groupName },
    containerSerial: {
      header: 'Container',
      cell: (r) => (r.containerSerial ? <Mono>{r.containerSerial}</Mono> : '—'),
    },
    activatedAt: { header: 'Activated', cell: (r) => <DateTime value={r.activatedAt} /> },
  };
  return names.flatMap((n) => (all[n] ? [all[n]] : []));
};

const containerColumns: Column<ReportContainer>[] = [
  { header: 'Serial', cell: (r) => <Mono>{r.serial}</Mono> },
  { header: 'Type', cell: (r) => r.type },
  { header: 'Customer', cell: (r) => r.groupName ?? '—' },
  { header: 'State', cell: (r) => <StateBadge state={r.status} /> },
  { header: 'Since', cell: (r) => <DateTime value={r.statusSince} /> },
  { header: 'Last contact', cell: (r) => <DateTime value={r.lastContactAt} /> },
  { header: 'Licenses', cell: (r) => r.licenseCount },
];

const lockColumns: Column<BlacklistLock>[] = [
  { header: 'Serial', cell: (r) => <Mono>{r.serial}</Mono> },
  { header: 'Customer', cell: (r) => r.groupName ?? '—' },
  { header: 'Firm code', cell: (r) => r.firmCode },
  { header: 'Issued', cell: (r) => <DateTime value={r.issuedAt} /> },
  {
    header: 'Executed',
    cell: (r) => (r.executedAt ? <DateTime value={r.executedAt} /> : <StateBadge state="pending" />),
  },
  { header: 'Channel', cell: (r) => r.channel },
  { header: 'Honey-pot', cell: (r) => (r.honeypot ? 'yes' : 'no') },
];

const ExpiringReport = () => {
  const [days, setDays] = useState<number | string>(30);
  const n = typeof days === 'number' && days >= 1 && days <= 3650 ? days : 30;
  return (
    <Stack>
      <NumberInput
        label="Expiring within (days)"
        value={days}
        onChange={setDays}
        min={1}
        max={3650}
        w={200}
        allowDecimal={false}
      />
      <ReportTable
        queryKey={['expiring-licenses', n]}
        fetchPage={(cursor) => expiringLicenses(n, cursor)}
        columns={licenseColumns(
          'expiresAt',
          'ticket',
          'productName',
          'state',
          'groupName',
          'containerSerial',
        )}
        rowKey={(r) => r.licenseId}
        csvHref={csvUrl('expiring-licenses', { days: n })}
        emptyTitle={`No license expires in the next ${n} days`}
      />
    </Stack>
  );
};

const LookupReport = ({
  label,
  placeholder,
  children,
}: {
  label: string;
  placeholder: string;
  children: (value: string) => React.ReactNode;
}) => {
  const [input, setInput] = useState('');
  const [value] = useDebouncedValue(input.trim(), 400);
  return (
    <Stack>
      <TextInput
        label={label}
        placeholder={placeholder}
        value={input}
        onChange={(e) => setInput(e.currentTarget.value)}
        w={340}
      />
      {value ? children(value) : null}
    </Stack>
  );
};

const CustomerContainersReport = () => {
  const groups = useGroups();
  const paths = useMemo(() => groupPaths(groups.data ?? []), [groups.data]);
  const [groupId, setGroupId] = useState<string | null>(null);
  return (
    <Stack>
      <Select
        label="Customer"
        placeholder="Choose a customer group"
        data={(groups.data ?? []).map((g) => ({ value: g.id, label: paths.get(g.id) ?? g.name }))}
        value={groupId}
        onChange={setGroupId}
        searchable
        w={340}
      />
      {groupId ? (
        <ReportTable
          queryKey={['customer-containers', groupId]}
          fetchPage={(cursor) => customerContainers(groupId, cursor)}
          columns={containerColumns}
          rowKey={(r) => r.serial}
          csvHref={csvUrl('customer-containers', { groupId })}
          emptyTitle="This customer has no containers"
        />
      ) : null}
    </Stack>
  );
};

const BlacklistLocksReport = () => {
  const [status, setStatus] = useState<string | null>(null);
  const filter: { status?: 'executed' | 'pending' } =
    status === 'executed' || status === 'pending' ? { status } : {};
  return (
    <Stack>
      <Group>
        <Select
          label="Lock status"
          placeholder="Executed and pending"
          data={['executed', 'pending']}
          value={status}
          onChange={setStatus}
          clearable
          w={240}
        />
      </Group>
      <ReportTable
        queryKey={['blacklist-locks', status]}
        fetchPage={(cursor) => blacklistLocks(filter, cursor)}
        columns={lockColumns}
        rowKey={(r) => r.stepId}
        csvHref={csvUrl('blacklist-locks', filter)}
        emptyTitle="No blacklist locks in the last 30 days"
      />
    </Stack>
  );
};

export const ReportsPage = () => (
  <Page title="Reports" description="Tables download as CSV (the whole list, up to 100,000 rows).">
    <Tabs defaultValue="charts" keepMounted={false}>
      <Tabs.List mb="md">
        <Tabs.Tab value="charts">Charts</Tabs.Tab>
        <Tabs.Tab value="expiring">Expiring licenses</Tabs.Tab>
        <Tabs.Tab value="ticket">Ticket licenses</Tabs.Tab>
        <Tabs.Tab value="container">Container licenses</Tabs.Tab>
        <Tabs.Tab value="customer">Customer containers</Tabs.Tab>
        <Tabs.Tab value="manipulated">Manipulated containers</Tabs.Tab>
        <Tabs.Tab value="locks">Blacklist locks</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="charts">
        <Suspense fallback={<PageLoader />}>
          <ReportCharts />
        </Suspense>
      </Tabs.Panel>
      <Tabs.Panel value="expiring">
        <ExpiringReport />
      </Tabs.Panel>
      <Tabs.Panel value="ticket">
        <LookupReport label="Ticket code" placeholder="ABCDE-FGHIJ-…">
          {(ticket) => (
            <ReportTable
              queryKey={['ticket-licenses', ticket]}
              fetchPage={(cursor) => ticketLicenses(ticket, cursor)}
              columns={licenseColumns(
                'productName',
                'state',
                'generation',
                'containerSerial',
                'activatedAt',
                'expiresAt',
              )}
              rowKey={(r) => r.licenseId}
              csvHref={csvUrl('ticket-licenses', { ticket })}
              emptyTitle="This ticket has no licenses"
            />
          )}
        </LookupReport>
      </Tabs.Panel>
      <Tabs.Panel value="container">
        <LookupReport label="Container serial" placeholder="130-123456789">
          {(serial) => (
            <ReportTable
              queryKey={['container-licenses', serial]}
              fetchPage={(cursor) => containerLicenses(serial, cursor)}
              columns={licenseColumns(
                'ticket',
                'productName',
                'generation',
                'state',
                'activatedAt',
                'expiresAt',
              )}
              rowKey={(r) => r.licenseId}
              csvHref={csvUrl('container-licenses', { serial })}
              emptyTitle="No license is in this container"
            />
          )}
        </LookupReport>
      </Tabs.Panel>
      <Tabs.Panel value="customer">
        <CustomerContainersReport />
      </Tabs.Panel>
      <Tabs.Panel value="manipulated">
        <ReportTable
          queryKey={['manipulated-containers']}
          fetchPage={(cursor) => manipulatedContainers(cursor)}
          columns={containerColumns}
          rowKey={(r) => r.serial}
          csvHref={csvUrl('manipulated-containers', {})}
          emptyTitle="No container is flagged"
          emptyText="Containers that report a state Central never issued appear here until someone resolves them."
        />
      </Tabs.Panel>
      <Tabs.Panel value="locks">
        <BlacklistLocksReport />
      </Tabs.Panel>
    </Tabs>
  </Page>
);
