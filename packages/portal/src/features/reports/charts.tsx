// The two charts (loaded only when the Charts tab opens, so recharts stays out of the first load):
// activations per day and licenses expiring per week, each with its table equivalent as CSV.

import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Button, Group, NumberInput, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconFileSpreadsheet } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { QueryView } from '../../components/states.js';
import { formatNumber, formatUtcDay } from '../../lib/format.js';
import { activationsPerDay, csvUrl, expiringPerWeek } from './api/reports.js';

const ChartCard = ({
  title,
  total,
  csv,
  children,
  controls,
}: {
  title: string;
  total: number | undefined;
  csv: string;
  children: React.ReactNode;
  controls?: React.ReactNode;
}) => (
  <Paper withBorder radius="md" p="lg">
    <Stack gap="sm">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2} size="h4">
            {title}
          </Title>
          <Text size="sm" c="dimmed">
            {total === undefined ? '…' : `${formatNumber(total)} in total`}
          </Text>
        </div>
        <Group gap="xs" align="flex-end">
          {controls}
          <Button
            component="a"
            href={csv}
            download
            variant="default"
            size="xs"
            leftSection={<IconFileSpreadsheet size={16} aria-hidden />}
          >
            CSV
          </Button>
        </Group>
      </Group>
      {children}
    </Stack>
  </Paper>
);

export const ReportCharts = () => {
  const [weeks, setWeeks] = useState<number | string>(12);
  const weekCount = typeof weeks === 'number' && weeks >= 1 && weeks <= 260 ? weeks : 12;
  const daily = useQuery({
    queryKey: ['reports', 'activations-per-day'],
    queryFn: () => activationsPerDay(),
  });
  const weekly = useQuery({
    queryKey: ['reports', 'expiring-per-week', weekCount],
    queryFn: () => expiringPerWeek(weekCount),
  });
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
      <ChartCard
        title="Activations per day (last 30 days)"
        total={daily.data?.total}
        csv={csvUrl('activations-per-day', {})}
      >
        <QueryView query={daily}>
          {(data) => (
            <div
              role="img"
              aria-label={`Bar chart: ${data.total} activations from ${data.from} to ${data.to}`}
            >
              <BarChart
                h={260}
                data={data.days.map((d) => ({ day: formatUtcDay(d.date), Activations: d.count }))}
                dataKey="day"
                series={[{ name: 'Activations', color: 'blue.8' }]}
                xAxisProps={{ interval: 'preserveStartEnd', minTickGap: 24 }}
              />
            </div>
          )}
        </QueryView>
      </ChartCard>
      <ChartCard
        title="Licenses expiring per week"
        total={weekly.data?.total}
        csv={csvUrl('expiring-per-week', { weeks: weekCount })}
        controls={
          <NumberInput
            label="Weeks"
            size="xs"
            w={90}
            min={1}
            max={260}
            value={weeks}
            onChange={setWeeks}
            allowDecimal={false}
          />
        }
      >
        <QueryView query={weekly}>
          {(data) => (
            <div
              role="img"
              aria-label={`Bar chart: ${data.total} licenses expiring in the next ${data.weeks.length} weeks`}
            >
              <BarChart
                h={260}
                data={data.weeks.map((w) => ({ week: w.week, Expiring: w.count }))}
                dataKey="week"
                series={[{ name: 'Expiring', color: 'orange.8' }]}
                xAxisProps={{ interval: 'preserveStartEnd', minTickGap: 24 }}
              />
            </div>
          )}
        </QueryView>
      </ChartCard>
    </SimpleGrid>
  );
};
