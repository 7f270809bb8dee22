// Small read-only pieces used across pages: dates in the user's locale, state badges, codes.

import { ActionIcon, Badge, Code, CopyButton, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { formatDate, formatDateTime } from '../lib/format.js';

export const DateTime = ({ value, dateOnly }: { value: string | null | undefined; dateOnly?: boolean }) =>
  value ? (
    <time dateTime={value} title={value}>
      {dateOnly ? formatDate(value) : formatDateTime(value)}
    </time>
  ) : (
    <Text span c="dimmed" size="inherit">
      —
    </Text>
  );

const STATE_COLORS: Record<string, string> = {
  available: 'gray',
  collected: 'yellow',
  confirmed: 'green',
  returning: 'orange',
  returned: 'gray',
  withdrawn: 'red',
  revoked: 'red',
  replaced: 'grape',
  mixed: 'blue',
  ok: 'green',
  manipulation_detected: 'red',
  blacklisted: 'dark',
  recycled: 'gray',
  pending: 'yellow',
  delivered: 'green',
  failed: 'red',
  executed: 'green',
  active: 'green',
  disabled: 'gray',
  accepted: 'green',
  expired: 'gray',
};

/** A license, ticket, container or delivery state; the text is the state's own word (they are user-facing). */
export const StateBadge = ({ state }: { state: string }) => (
  <Badge color={STATE_COLORS[state] ?? 'gray'} variant="light" data-state={state}>
    {state.replace(/_/g, ' ')}
  </Badge>
);

export const Mono = ({ children }: { children: string }) => (
  <Text span ff="monospace" size="sm">
    {children}
  </Text>
);

/** A secret or link shown once, with a copy button. */
export const SecretValue = ({ value, label }: { value: string; label: string }) => (
  <Code
    block
    role="group"
    aria-label={label}
    style={{ position: 'relative', paddingRight: 44, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}
  >
    {value}
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? 'Copied' : `Copy ${label}`}>
          <ActionIcon
            variant="subtle"
            onClick={copy}
            aria-label={`Copy ${label}`}
            style={{ position: 'absolute', top: 6, right: 6 }}
          >
            {copied ? <IconCheck size={16} aria-hidden /> : <IconCopy size={16} aria-hidden />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  </Code>
);
