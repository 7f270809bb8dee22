// Users and groups: the group tree the admin manages; per group its members and roles, pending
// invitations (invite → a one-time link to hand over), and subgroups.

import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Grid,
  Group,
  Menu,
  Modal,
  NavLink,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconDots, IconMail, IconPlus, IconUsersGroup } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { useSession } from '../../../app/session.js';
import { DateTime, SecretValue, StateBadge } from '../../../components/display.js';
import { Page } from '../../../components/page.js';
import { EmptyState, ErrorNotice, LoadingBlock, QueryView } from '../../../components/states.js';
import { applyProblem, notifyError, notifySuccess } from '../../../lib/forms.js';
import {
  type Role,
  useChangeRole,
  useCreateGroup,
  useInvitations,
  useInvite,
  useMemberships,
  useRemoveMembership,
  useRevokeInvitation,
  useSetUserEnabled,
} from './api/group-admin.js';
import { type Group as GroupRecord, useGroups } from './api/list-groups.js';
import { useUsers } from './api/list-users.js';

const InviteModal = ({
  group,
  opened,
  onClose,
}: {
  group: GroupRecord;
  opened: boolean;
  onClose: () => void;
}) => {
  const invite = useInvite();
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const form = useForm<{ email: string; role: Role }>({
    initialValues: { email: '', role: 'member' },
    validate: { email: (v) => (/^\S+@\S+\.\S+$/.test(v.trim()) ? null : 'Enter an e-mail address.') },
  });
  const close = () => {
    setLink(null);
    setError(null);
    form.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={`Invite someone to ${group.name}`} size="lg">
      {link ? (
        <Stack>
          <Alert color="green" title="Invitation created">
            Hand this one-time link to the person (there is no e-mail delivery). It works once and expires in
            7 days; it is shown only now.
          </Alert>
          <SecretValue value={link} label="invitation link" />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form
          noValidate
          onSubmit={form.onSubmit((v) => {
            setError(null);
            invite.mutate(
              { groupId: group.id, email: v.email.trim(), role: v.role },
              { onSuccess: (r) => setLink(r.link), onError: (e) => setError(applyProblem(form, e)) },
            );
          })}
        >
          <Stack>
            {error ? (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            ) : null}
            <TextInput label="E-mail address" type="email" required {...form.getInputProps('email')} />
            <Select
              label="Role"
              data={[
                { value: 'member', label: 'Member — sees the group and its tickets' },
                { value: 'admin', label: 'Admin — also manages members and subgroups' },
              ]}
              allowDeselect={false}
              {...form.getInputProps('role')}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button
                type="submit"
                loading={invite.isPending}
                leftSection={<IconMail size={16} aria-hidden />}
              >
                Create invitation link
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
};

const SubgroupModal = ({
  parent,
  opened,
  onClose,
  onCreated,
}: {
  parent: GroupRecord;
  opened: boolean;
  onClose: () => void;
  onCreated: (id: string) => void;
}) => {
  const create = useCreateGroup();
  const [error, setError] = useState<string | null>(null);
  const form = useForm<{ name: string; kind: 'reseller' | 'customer'; externalId: string }>({
    initialValues: { name: '', kind: 'customer', externalId: '' },
    validate: { name: (v) => (v.trim() ? null : 'Enter a name.') },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={`New group under ${parent.name}`}>
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          setError(null);
          create.mutate(
            {
              parentId: parent.id,
              name: v.name.trim(),
              kind: v.kind,
              ...(v.externalId.trim() ? { externalId: v.externalId.trim() } : {}),
            },
            {
              onSuccess: (g) => {
                notifySuccess(`Group ${g.name} created.`);
                form.reset();
                onCreated(g.id);
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
          <TextInput label="Name" required {...form.getInputProps('name')} />
          <Select
            label="Kind"
            data={[
              { value: 'customer', label: 'Customer' },
              { value: 'reseller', label: 'Reseller (has its own customers)' },
            ]}
            allowDeselect={false}
            {...form.getInputProps('kind')}
          />
          <TextInput
            label="Customer number (ERP)"
            description="Optional; unique."
            {...form.getInputProps('externalId')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create group
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
};

const GroupPanel = ({ group, onCreated }: { group: GroupRecord; onCreated: (id: string) => void }) => {
  const { me } = useSession();
  const users = useUsers(group.id);
  const memberships = useMemberships(group.id);
  const invitations = useInvitations(group.id);
  const changeRole = useChangeRole();
  const remove = useRemoveMembership();
  const setEnabled = useSetUserEnabled();
  const revoke = useRevokeInvitation();
  const [inviteOpened, inviteDialog] = useDisclosure(false);
  const [subgroupOpened, subgroupDialog] = useDisclosure(false);
  const byUser = new Map((memberships.data?.items ?? []).map((m) => [m.userId, m]));
  const pending = (invitations.data?.items ?? []).filter((i) => i.status === 'pending');

  return (
    <Stack gap="lg">
      <InviteModal group={group} opened={inviteOpened} onClose={inviteDialog.close} />
      <SubgroupModal
        parent={group}
        opened={subgroupOpened}
        onClose={subgroupDialog.close}
        onCreated={onCreated}
      />
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2} size="h3">
            {group.name}
          </Title>
          <Group gap="xs" mt={4}>
            <Badge variant="light" color="gray">
              {group.kind}
            </Badge>
            {group.externalId ? (
              <Text size="sm" c="dimmed">
                customer number {group.externalId}
              </Text>
            ) : null}
          </Group>
        </div>
        <Group gap="sm">
          <Button
            variant="default"
            leftSection={<IconPlus size={16} aria-hidden />}
            onClick={subgroupDialog.open}
          >
            New subgroup
          </Button>
          <Button leftSection={<IconMail size={16} aria-hidden />} onClick={inviteDialog.open}>
            Invite
          </Button>
        </Group>
      </Group>

      <Paper withBorder radius="md" p="md">
        <Title order={3} size="h5" mb="sm">
          Members
        </Title>
        <QueryView
          query={users}
          isEmpty={(data) => data.items.length === 0}
          empty={
            <EmptyState title="No members yet">Invite someone to give them access to this group.</EmptyState>
          }
        >
          {(data) => (
            <Table.ScrollContainer minWidth={620}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>E-mail</Table.Th>
                    <Table.Th>Role</Table.Th>
                    <Table.Th>Account</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.items.map((u) => {
                    const membership = byUser.get(u.id);
                    return (
                      <Table.Tr key={u.id}>
                        <Table.Td>{u.name || '—'}</Table.Td>
                        <Table.Td>{u.email}</Table.Td>
                        <Table.Td>
                          {membership ? (
                            <Select
                              aria-label={`Role of ${u.email}`}
                              size="xs"
                              w={120}
                              data={['member', 'admin']}
                              value={membership.role}
                              allowDeselect={false}
                              onChange={(role) =>
                                role &&
                                changeRole.mutate(
                                  { id: membership.id, role: role === 'admin' ? 'admin' : 'member' },
                                  {
                                    onSuccess: () => notifySuccess(`${u.email} is now ${role}.`),
                                    onError: notifyError,
                                  },
                                )
                              }
                            />
                          ) : (
                            '—'
                          )}
                        </Table.Td>
                        <Table.Td>
                          <StateBadge state={u.status} />
                        </Table.Td>
                        <Table.Td ta="right">
                          <Menu position="bottom-end">
                            <Menu.Target>
                              <ActionIcon variant="subtle" aria-label={`Actions for ${u.email}`}>
                                <IconDots size={16} aria-hidden />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              {u.id !== me.user.id ? (
                                <Menu.Item
                                  onClick={() =>
                                    setEnabled.mutate(
                                      { id: u.id, enabled: u.status !== 'active' },
                                      {
                                        onSuccess: () =>
                                          notifySuccess(
                                            `${u.email} ${u.status === 'active' ? 'disabled' : 'enabled'}.`,
                                          ),
                                        onError: notifyError,
                                      },
                                    )
                                  }
                                >
                                  {u.status === 'active' ? 'Disable account' : 'Enable account'}
                                </Menu.Item>
                              ) : null}
                              {membership ? (
                                <Menu.Item
                                  color="red"
                                  onClick={() =>
                                    remove.mutate(membership.id, {
                                      onSuccess: () =>
                                        notifySuccess(`${u.email} removed from ${group.name}.`),
                                      onError: notifyError,
                                    })
                                  }
                                >
                                  Remove from group
                                </Menu.Item>
                              ) : null}
                            </Menu.Dropdown>
                          </Menu>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </QueryView>
      </Paper>

      <Paper withBorder radius="md" p="md">
        <Title order={3} size="h5" mb="sm">
          Pending invitations
        </Title>
        {invitations.isPending ? (
          <LoadingBlock rows={2} />
        ) : invitations.isError ? (
          <ErrorNotice error={invitations.error} onRetry={() => void invitations.refetch()} />
        ) : pending.length === 0 ? (
          <Text size="sm" c="dimmed">
            No pending invitations.
          </Text>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pending.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>{i.email}</Table.Td>
                  <Table.Td>{i.role}</Table.Td>
                  <Table.Td>
                    <DateTime value={i.expiresAt} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() =>
                        revoke.mutate(i.id, {
                          onSuccess: () => notifySuccess('Invitation revoked.'),
                          onError: notifyError,
                        })
                      }
                    >
                      Revoke
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
    </Stack>
  );
};

export const GroupsPage = () => {
  const groups = useGroups();
  const [selected, setSelected] = useState<string | null>(null);
  const tree = useMemo(() => {
    const list = groups.data ?? [];
    const ids = new Set(list.map((g) => g.id));
    const children = new Map<string | null, GroupRecord[]>();
    for (const g of list) {
      const parent = g.parentId && ids.has(g.parentId) ? g.parentId : null;
      children.set(parent, [...(children.get(parent) ?? []), g]);
    }
    const ordered: { group: GroupRecord; depth: number }[] = [];
    const walk = (parent: string | null, depth: number) => {
      for (const g of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
        ordered.push({ group: g, depth });
        if (depth < 20) walk(g.id, depth + 1);
      }
    };
    walk(null, 0);
    return ordered;
  }, [groups.data]);
  useEffect(() => {
    if (!selected && tree[0]) setSelected(tree[0].group.id);
  }, [tree, selected]);
  const current = tree.find((t) => t.group.id === selected)?.group;

  return (
    <Page
      title="Users and groups"
      description="Groups form a tree: the vendor, its resellers and customers. Admins manage their group and everything below it."
    >
      <QueryView
        query={groups}
        isEmpty={(d) => d.length === 0}
        empty={<EmptyState title="No groups visible to you" />}
      >
        {() => (
          <Grid gutter="lg">
            <Grid.Col span={{ base: 12, md: 4, lg: 3 }}>
              <Paper withBorder radius="md" p="xs" component="nav" aria-label="Groups">
                {tree.map(({ group, depth }) => (
                  <NavLink
                    key={group.id}
                    label={group.name}
                    rightSection={
                      <Text size="xs" c={group.id === selected ? undefined : 'dimmed'}>
                        {group.kind}
                      </Text>
                    }
                    active={group.id === selected}
                    onClick={() => setSelected(group.id)}
                    leftSection={<IconUsersGroup size={16} aria-hidden />}
                    style={{ paddingLeft: 8 + depth * 16 }}
                    aria-current={group.id === selected ? 'true' : undefined}
                  />
                ))}
              </Paper>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 8, lg: 9 }}>
              {current ? <GroupPanel key={current.id} group={current} onCreated={setSelected} /> : null}
            </Grid.Col>
          </Grid>
        )}
      </QueryView>
    </Page>
  );
};
