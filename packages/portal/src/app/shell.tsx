// The signed-in frame: header with the product name and the user menu (sign out), a sidebar that collapses
// into a burger menu on narrow screens (tablets in portrait), and the page in the main area.

import {
  AppShell,
  Avatar,
  Burger,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconChevronDown, IconLogout } from '@tabler/icons-react';
import { Suspense } from 'react';
import { Outlet, NavLink as RouterNavLink, useLocation, useNavigate } from 'react-router';
import { PageLoader } from '../components/states.js';
import { useSignOut } from '../features/auth/api/sign-out.js';
import { notifyError } from '../lib/forms.js';
import { NAVIGATION } from './navigation.js';
import { allows } from './roles.js';
import { useSession } from './session.js';

const Logo = () => (
  <Group gap={8} wrap="nowrap">
    <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="6" fill="#1c5d99" />
      <path d="M8 8h7v7H8zM17 8h7v7h-7zM8 17h7v7H8z" fill="#fff" />
      <path d="M17 17h7v7h-7z" fill="#8cc3f0" />
    </svg>
    <Text fw={700} size="lg">
      Tessera
    </Text>
  </Group>
);

export const Shell = () => {
  const { me, roles } = useSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const navigate = useNavigate();
  const signOut = useSignOut();

  const sections = NAVIGATION.map((section) => ({
    ...section,
    items: section.items.filter((item) => allows(roles, item.permission)),
  })).filter((section) => section.items.length > 0);

  const onSignOut = () =>
    signOut.mutate(undefined, {
      onSuccess: () => navigate('/sign-in?signedOut=1', { replace: true }),
      onError: (error) => {
        notifyError(error);
        navigate('/sign-in', { replace: true });
      },
    });

  const groupLabel = me.isIsvAdmin
    ? 'Vendor administrator'
    : me.memberships.map((m) => `${m.groupName} (${m.role})`).join(', ') || 'no group';

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'md', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="md"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Logo />
          </Group>
          <Menu position="bottom-end" width={240}>
            <Menu.Target>
              <UnstyledButton data-testid="user-menu">
                <Group gap={8} wrap="nowrap">
                  <Avatar size={30} radius="xl" color="blue" name={me.user.name || me.user.email} />
                  <div style={{ lineHeight: 1.2 }}>
                    <Text size="sm" fw={600} visibleFrom="sm">
                      {me.user.name || me.user.email}
                    </Text>
                    <Text size="xs" c="dimmed" visibleFrom="sm" lineClamp={1} maw={220}>
                      {groupLabel}
                    </Text>
                  </div>
                  <IconChevronDown size={14} aria-hidden />
                  <VisuallyHidden>account menu</VisuallyHidden>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{me.user.email}</Menu.Label>
              <Menu.Item leftSection={<IconLogout size={16} aria-hidden />} onClick={onSignOut}>
                Sign out
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          {sections.map((section) => (
            <div key={section.label} style={{ marginBottom: 12 }}>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" py={6}>
                {section.label}
              </Text>
              {section.items.map((item) => (
                <NavLink
                  key={item.to}
                  component={RouterNavLink}
                  to={item.to}
                  label={item.label}
                  leftSection={<item.icon size={18} stroke={1.6} aria-hidden />}
                  active={location.pathname === item.to || location.pathname.startsWith(`${item.to}/`)}
                  onClick={close}
                />
              ))}
            </div>
          ))}
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <div id="main" style={{ maxWidth: 1280 }}>
          <Suspense fallback={<PageLoader />}>
            <Outlet />
          </Suspense>
        </div>
      </AppShell.Main>
    </AppShell>
  );
};
