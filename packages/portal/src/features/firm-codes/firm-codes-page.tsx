// Firm codes: the vendor's licensing namespaces and their signing keys — create one, download the public key
// the vendor's software embeds, rotate the key (the old one keeps verifying, only the new one signs).

import {
  Alert,
  Button,
  Group,
  Modal,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconDownload, IconPlus, IconRotate } from '@tabler/icons-react';
import { useState } from 'react';
import { DateTime, Mono } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { applyProblem, notifyError, notifySuccess } from '../../lib/forms.js';
import { useCreateFirmCode } from './api/create-firm-code.js';
import { type FirmCode, useFirmCodes } from './api/list-firm-codes.js';
import { publicKeyUrl, useRotateFirmKey } from './api/rotate-firm-key.js';

const CreateFirmCodeModal = ({ opened, onClose }: { opened: boolean; onClose: () => void }) => {
  const create = useCreateFirmCode();
  const [error, setError] = useState<string | null>(null);
  const form = useForm<{ firmCode: number | string; name: string }>({
    initialValues: { firmCode: '', name: '' },
    validate: {
      firmCode: (v) =>
        typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffff_ffff
          ? 'Enter a whole number from 1 to 4294967295.'
          : null,
      name: (v) => (v.trim() === '' ? 'Enter a name.' : null),
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title="New firm code">
      <form
        noValidate
        onSubmit={form.onSubmit((values) => {
          setError(null);
          create.mutate(
            { firmCode: Number(values.firmCode), name: values.name.trim() },
            {
              onSuccess: (created) => {
                notifySuccess(`Firm code ${created.firmCode} created with a new signing key.`);
                form.reset();
                onClose();
              },
              onError: (e) => setError(applyProblem(form, e)),
            },
          );
        })}
      >
        <Stack>
          {error ? (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          ) : null}
          <NumberInput
            label="Firm code"
            description="The number your software checks licenses for; unique, 1–4294967295."
            allowDecimal={false}
            allowNegative={false}
            required
            {...form.getInputProps('firmCode')}
          />
          <TextInput label="Name" required {...form.getInputProps('name')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create firm code
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
};

const RotateButton = ({ firmCode }: { firmCode: FirmCode }) => {
  const [opened, { open, close }] = useDisclosure(false);
  const rotate = useRotateFirmKey();
  return (
    <>
      <Button size="xs" variant="default" leftSection={<IconRotate size={14} aria-hidden />} onClick={open}>
        Rotate key
      </Button>
      <Modal opened={opened} onClose={close} title={`Rotate the key of firm code ${firmCode.firmCode}?`}>
        <Stack>
          <Text size="sm">
            A new key pair is created and signed by the current key, which is retired: it still verifies the
            licenses it signed, but only the new key signs from now on. Containers learn the new key with
            their next update.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              loading={rotate.isPending}
              onClick={() =>
                rotate.mutate(firmCode.firmCode, {
                  onSuccess: () => {
                    notifySuccess(`The key of firm code ${firmCode.firmCode} was rotated.`);
                    close();
                  },
                  onError: notifyError,
                })
              }
            >
              Rotate key
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
};

export const FirmCodesPage = () => {
  const query = useFirmCodes();
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <Page
      title="Firm codes"
      description="Each firm code is a licensing namespace with its own signing key; your software embeds its public key."
      actions={
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
          New firm code
        </Button>
      }
    >
      <CreateFirmCodeModal opened={opened} onClose={close} />
      <QueryView
        query={query}
        isEmpty={(data) => data.items.length === 0}
        empty={<EmptyState title="No firm codes yet">Create one to start defining products.</EmptyState>}
      >
        {(data) => (
          <Table.ScrollContainer minWidth={720}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Firm code</Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Active key</Table.Th>
                  <Table.Th>Keys</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((fc) => (
                  <Table.Tr key={fc.id}>
                    <Table.Td fw={600}>{fc.firmCode}</Table.Td>
                    <Table.Td>{fc.name}</Table.Td>
                    <Table.Td>
                      <Mono>{fc.activeKeyId}</Mono>
                    </Table.Td>
                    <Table.Td>
                      {fc.keys.length === 1 ? '1' : `${fc.keys.length} (${fc.keys.length - 1} retired)`}
                    </Table.Td>
                    <Table.Td>
                      <DateTime value={fc.createdAt} dateOnly />
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="default"
                          component="a"
                          href={publicKeyUrl(fc.firmCode)}
                          download
                          leftSection={<IconDownload size={14} aria-hidden />}
                          aria-label={`Download the public key of firm code ${fc.firmCode}`}
                        >
                          Public key
                        </Button>
                        <RotateButton firmCode={fc} />
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
    </Page>
  );
};
