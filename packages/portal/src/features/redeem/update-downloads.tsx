import { Button, Group, Stack, Text } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useEffect, useMemo } from 'react';
import { updateFileName } from '../../lib/download.js';
import { type GatewayResult, updatesOf } from './api/gateway.js';

/** One download button per update file (one per firm code when a ticket spans several). */
export const UpdateDownloads = ({ result }: { result: GatewayResult }) => {
  const updates = useMemo(() => updatesOf(result), [result]);
  // Real links to in-memory files: the browser saves them like any download, keyboard and all.
  const urls = useMemo(
    () => updates.map((u) => URL.createObjectURL(new Blob([u.update], { type: 'text/plain;charset=utf-8' }))),
    [updates],
  );
  useEffect(
    () => () => {
      for (const url of urls) URL.revokeObjectURL(url);
    },
    [urls],
  );
  if (updates.length === 0)
    return <Text size="sm">There is nothing to import: the container is already up to date.</Text>;
  return (
    <Stack gap="xs">
      <Group gap="sm">
        {updates.map((u, i) => {
          const name = updateFileName(result.serial, u.firmCode);
          return (
            <Button
              key={`${u.firmCode}-${u.updateId}`}
              component="a"
              href={urls[i]}
              download={name}
              leftSection={<IconDownload size={16} aria-hidden />}
            >
              Download {name}
            </Button>
          );
        })}
      </Group>
      <Text size="sm" c="dimmed">
        {updates.length > 1 ? 'Import them in this order' : 'Import it'} on the machine that holds container{' '}
        {result.serial}:{' '}
        <code>tessera update import {updateFileName(result.serial, updates[0]?.firmCode ?? 0)}</code>
      </Text>
    </Stack>
  );
};
