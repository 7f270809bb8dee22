// Loading, empty and error states, the same everywhere: a skeleton while a query runs, a short sentence when
// there is nothing, and the problem as a sentence with a retry button when a call failed.

import { Alert, Button, Center, Group, Loader, Paper, Skeleton, Stack, Text } from '@mantine/core';
import { IconAlertCircle, IconInbox } from '@tabler/icons-react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { errorSentence } from '../api/problem.js';

export const LoadingBlock = ({ rows = 4, label = 'Loading…' }: { rows?: number; label?: string }) => (
  <Stack gap="xs" role="status" aria-busy="true" aria-label={label}>
    {Array.from({ length: rows }, (_, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
      <Skeleton key={i} height={28} radius="sm" />
    ))}
  </Stack>
);

export const PageLoader = () => (
  <Center h={240} role="status" aria-busy="true" aria-label="Loading">
    <Loader />
  </Center>
);

export const ErrorNotice = ({
  error,
  onRetry,
  title,
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) => (
  <Alert
    color="red"
    icon={<IconAlertCircle aria-hidden />}
    title={title ?? 'Could not load this'}
    role="alert"
  >
    <Group justify="space-between" align="center" gap="sm">
      <Text size="sm">{errorSentence(error)}</Text>
      {onRetry ? (
        <Button size="xs" variant="white" color="red" onClick={onRetry}>
          Try again
        </Button>
      ) : null}
    </Group>
  </Alert>
);

export const EmptyState = ({ title, children }: { title: string; children?: ReactNode }) => (
  <Paper withBorder p="xl" radius="md">
    <Stack align="center" gap={6}>
      <IconInbox size={32} stroke={1.5} aria-hidden color="var(--mantine-color-gray-6)" />
      <Text fw={600}>{title}</Text>
      {children ? (
        <Text size="sm" c="dimmed" ta="center" maw={520}>
          {children}
        </Text>
      ) : null}
    </Stack>
  </Paper>
);

/** Renders a query's data, or its loading/error state; `isEmpty` chooses the empty state. */
export const QueryView = <T,>({
  query,
  isEmpty,
  empty,
  loading,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loading?: ReactNode;
  children: (data: T) => ReactNode;
}) => {
  if (query.isPending) return <>{loading ?? <LoadingBlock />}</>;
  if (query.isError) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) return <>{empty ?? <EmptyState title="Nothing here yet" />}</>;
  return <>{children(query.data)}</>;
};
