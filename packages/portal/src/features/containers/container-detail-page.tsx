// One container (vendor): state, firm items with issued / confirmed / reported FUC, the licenses Central
// believes it holds, and the decisions: resolve "manipulation detected", blacklist, push-update download.

import {
  Alert,
  Button,
  Card,
  Group,
  Modal,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconBan, IconDownload, IconShieldCheck } from '@tabler/icons-react';
import { useState } from 'react';
import { useParams } from 'react-router';
import { DateTime, Mono, StateBadge } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { downloadText, updateFileName } from '../../lib/download.js';
import { notifyError, notifySuccess } from '../../lib/forms.js';
import { useBlacklistContainer, useContainer, usePushUpdate, useResolveContainer } from './api/containers.js';

const Field = ({ label, children }: { label: string; children: React.ReactNode }) => (
  <div>
    <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
      {label}
    </Text>
    <Text component="div">{children}</Text>
  </div>
);

const ResolveDialog = ({
  serial,
  opened,
  onClose,
}: {
  serial: string;
  opened: boolean;
  onClose: () => void;
}) => {
  const resolve = useResolveContainer();
  const [decision, setDecision] = useState<'accept' | 'blacklist'>('accept');
  const [note, setNote] = useState('');
  return (
    <Modal opened={opened} onClose={onClose} title="Resolve “manipulation detected”" size="lg">
      <Stack>
        <Text size="sm">
          The container reported a state Central never issued. <b>Accept</b> re-bases Central on what it
          reports (licenses it should not hold are withdrawn at its next contact). <b>Blacklist</b> does the
          same and then locks it.
        </Text>
        <SegmentedControl
          value={decision}
          onChange={(v) => setDecision(v === 'blacklist' ? 'blacklist' : 'accept')}
          data={[
            { value: 'accept', label: 'Accept what it reports' },
            { value: 'blacklist', label: 'Blacklist it' },
          ]}
        />
        <Textarea
          label="Note for the audit log"
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          maxLength={500}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color={decision === 'blacklist' ? 'red' : 'blue'}
            loading={resolve.isPending}
            onClick={() =>
              resolve.mutate(
                { serial, decision, ...(note.trim() ? { note: note.trim() } : {}) },
                {
                  onSuccess: () => {
                    notifySuccess(`Container ${serial} resolved.`);
                    onClose();
                  },
                  onError: notifyError,
                },
              )
            }
          >
            Resolve
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
};

const BlacklistDialog = ({
  serial,
  opened,
  onClose,
}: {
  serial: string;
  opened: boolean;
  onClose: () => void;
}) => {
  const blacklist = useBlacklistContainer();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal opened={opened} onClose={onClose} title={`Blacklist container ${serial}?`}>
      <Stack>
        <Text size="sm">
          At its next contact the container gets an update that locks its firm items and writes the honey-pot
          marker. Its licenses become unusable there.
        </Text>
        <Textarea
          label="Reason"
          required
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={error}
          maxLength={500}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={blacklist.isPending}
            onClick={() => {
              if (reason.trim() === '') {
                setError('Give a reason; it is kept in the audit log.');
                return;
              }
              blacklist.mutate(
                { serial, reason: reason.trim() },
                {
                  onSuccess: () => {
                    notifySuccess(`Container ${serial} will be locked at its next contact.`);
                    onClose();
                  },
                  onError: notifyError,
                },
              );
            }}
          >
            Blacklist
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
};

export const ContainerDetailPage = () => {
  const { serial = '' } = useParams();
  const query = useContainer(serial);
  const push = usePushUpdate();
  const [resolveOpened, resolveDialog] = useDisclosure(false);
  const [blacklistOpened, blacklistDialog] = useDisclosure(false);

  const downloadPush = () =>
    push.mutate(
      { serial },
      {
        onSuccess: (result) => {
          if (result.updates.length === 0)
            notifySuccess('Nothing to push: the container has everything Central issued.');
          for (const u of result.updates) downloadText(updateFileName(result.serial, u.firmCode), u.update);
        },
        onError: notifyError,
      },
    );

  return (
    <Page
      title={`Container ${serial}`}
      actions={
        <>
          <Button
            variant="default"
            leftSection={<IconDownload size={16} aria-hidden />}
            loading={push.isPending}
            onClick={downloadPush}
          >
            Push update (.tupd)
          </Button>
          {query.data?.container.status === 'manipulation_detected' ? (
            <Button leftSection={<IconShieldCheck size={16} aria-hidden />} onClick={resolveDialog.open}>
              Resolve
            </Button>
          ) : null}
          {query.data &&
          query.data.container.status !== 'blacklisted' &&
          query.data.container.status !== 'recycled' ? (
            <Button
              color="red"
              variant="light"
              leftSection={<IconBan size={16} aria-hidden />}
              onClick={blacklistDialog.open}
            >
              Blacklist
            </Button>
          ) : null}
        </>
      }
    >
      <ResolveDialog serial={serial} opened={resolveOpened} onClose={resolveDialog.close} />
      <BlacklistDialog serial={serial} opened={blacklistOpened} onClose={blacklistDialog.close} />
      <QueryView query={query}>
        {({ container, firmItems, licenses }) => (
          <Stack gap="lg">
            {container.status === 'manipulation_detected' ? (
              <Alert color="red" title="Manipulation detected">
                {container.statusReason ?? 'The container reported a state Central never issued.'} Automatic
                processing is stopped until you resolve it.
              </Alert>
            ) : null}
            <Card withBorder radius="md">
              <SimpleGrid cols={{ base: 2, md: 4 }}>
                <Field label="State">
                  <StateBadge state={container.status} />
                </Field>
                <Field label="Type">{container.type}</Field>
                <Field label="Last contact">
                  <DateTime value={container.lastContactAt} />
                </Field>
                <Field label="First seen">
                  <DateTime value={container.createdAt} />
                </Field>
              </SimpleGrid>
            </Card>
            <Title order={2} size="h4">
              Firm items
            </Title>
            {firmItems.length === 0 ? (
              <EmptyState title="No firm items">
                Central has not issued anything to this container yet.
              </EmptyState>
            ) : (
              <Table.ScrollContainer minWidth={640}>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Firm code</Table.Th>
                      <Table.Th>Issued FUC</Table.Th>
                      <Table.Th>Confirmed FUC</Table.Th>
                      <Table.Th>Reported FUC</Table.Th>
                      <Table.Th>Locked</Table.Th>
                      <Table.Th>Licenses (predicted)</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {firmItems.map((f) => (
                      <Table.Tr key={f.firmCode}>
                        <Table.Td>{f.firmCode}</Table.Td>
                        <Table.Td>{f.issuedFuc}</Table.Td>
                        <Table.Td>{f.confirmedFuc}</Table.Td>
                        <Table.Td>{f.reportedFuc ?? '—'}</Table.Td>
                        <Table.Td>{f.locked ? 'yes' : 'no'}</Table.Td>
                        <Table.Td>{f.licenses.length}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            <Title order={2} size="h4">
              Licenses
            </Title>
            {licenses.length === 0 ? (
              <EmptyState title="No licenses">No license of any ticket is in this container.</EmptyState>
            ) : (
              <Table.ScrollContainer minWidth={560}>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>License</Table.Th>
                      <Table.Th>Firm code</Table.Th>
                      <Table.Th>Product code</Table.Th>
                      <Table.Th>Generation</Table.Th>
                      <Table.Th>State</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {licenses.map((l) => (
                      <Table.Tr key={`${l.id}-${l.generation}`}>
                        <Table.Td>
                          <Mono>{l.id}</Mono>
                        </Table.Td>
                        <Table.Td>{l.firmCode}</Table.Td>
                        <Table.Td>{l.productCode}</Table.Td>
                        <Table.Td>{l.generation}</Table.Td>
                        <Table.Td>
                          <StateBadge state={l.state} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Stack>
        )}
      </QueryView>
    </Page>
  );
};
