// The history of one license as a timeline, from the audit log (GET /reports/license-history): every
// activation, confirmation, return, withdrawal and reactivation with its container, channel and actor.

import { Group, Text, Timeline } from '@mantine/core';
import { IconArrowRight } from '@tabler/icons-react';
import { DateTime, Mono, StateBadge } from '../../components/display.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { useLicenseHistory } from './api/license-history.js';

const ACTION_TEXT: Record<string, string> = {
  'license.activated': 'Activated: update issued',
  'license.confirmed': 'Confirmed by the container',
  'license.deactivated': 'Returned: removal update issued',
  'license.returned': 'Return confirmed',
  'license.withdrawn': 'Withdrawn by the vendor',
  'license.replaced': 'Replaced',
  'license.reactivated': 'Reactivated into another container',
  'license.removal_confirmed': 'Removal confirmed',
  'license.created': 'Created by an order',
};

export const LicenseHistoryTimeline = ({ licenseId }: { licenseId: string }) => {
  const query = useLicenseHistory(licenseId);
  return (
    <QueryView
      query={query}
      isEmpty={(data) => data.items.length === 0}
      empty={
        <EmptyState title="No history yet">
          Nothing has happened to this license since it was created.
        </EmptyState>
      }
    >
      {(data) => (
        <Timeline active={data.items.length - 1} bulletSize={18} lineWidth={2} aria-label="License history">
          {data.items.map((entry) => (
            <Timeline.Item
              key={entry.eventId}
              title={
                <Group gap="xs" wrap="wrap">
                  <Text fw={600} size="sm">
                    {ACTION_TEXT[entry.action] ?? entry.action}
                  </Text>
                  {entry.fromState || entry.toState ? (
                    <Group gap={4} wrap="nowrap">
                      {entry.fromState ? <StateBadge state={entry.fromState} /> : null}
                      <IconArrowRight size={14} aria-label="to" />
                      {entry.toState ? <StateBadge state={entry.toState} /> : null}
                    </Group>
                  ) : null}
                </Group>
              }
            >
              <Text size="sm" c="dimmed">
                <DateTime value={entry.at} />
                {entry.serial ? (
                  <>
                    {' · container '}
                    <Mono>{entry.serial}</Mono>
                  </>
                ) : null}
                {entry.generation !== null ? ` · generation ${entry.generation}` : ''}
                {entry.channel ? ` · via ${entry.channel}` : ''}
                {` · by ${entry.actor}`}
              </Text>
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </QueryView>
  );
};
