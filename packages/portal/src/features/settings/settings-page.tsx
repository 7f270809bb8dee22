// Settings: the global default policies products fall back to, and the honey-pot product code a
// blacklisted container receives.

import {
  Alert,
  Button,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useEffect, useState } from 'react';
import { DateTime } from '../../components/display.js';
import { Page } from '../../components/page.js';
import { ErrorNotice, PageLoader } from '../../components/states.js';
import { applyProblem, notifySuccess } from '../../lib/forms.js';
import { useSettings } from './api/get-settings.js';
import { useUpdateSettings } from './api/update-settings.js';

interface SettingsValues {
  defaultPolicies: {
    deactivationAllowed: boolean;
    reactivationsAllowed: number | '';
    reactivationMinWaitHours: number | '';
    reactivationBehaviour: 'withdraw' | 'blacklist';
  };
  honeypot: boolean;
  honeypotProductCode: number | '';
}

export const SettingsPage = () => {
  const settings = useSettings();
  const update = useUpdateSettings();
  const [error, setError] = useState<string | null>(null);
  const form = useForm<SettingsValues>({
    initialValues: {
      defaultPolicies: {
        deactivationAllowed: true,
        reactivationsAllowed: 0,
        reactivationMinWaitHours: 0,
        reactivationBehaviour: 'withdraw',
      },
      honeypot: false,
      honeypotProductCode: '',
    },
    validate: {
      defaultPolicies: {
        reactivationsAllowed: (v) =>
          typeof v === 'number' && v >= 0 ? null : 'Enter a whole number (0 = none).',
        reactivationMinWaitHours: (v) =>
          typeof v === 'number' && v >= 0 ? null : 'Enter a number of hours.',
      },
      honeypotProductCode: (v, values) =>
        values.honeypot && !(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff)
          ? 'Enter a product code from 0 to 4294967295.'
          : null,
    },
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: load the settings into the form when they arrive
  useEffect(() => {
    const s = settings.data;
    if (!s) return;
    form.setValues({
      defaultPolicies: {
        deactivationAllowed: s.defaultPolicies.deactivationAllowed,
        reactivationsAllowed: s.defaultPolicies.reactivationsAllowed,
        reactivationMinWaitHours: s.defaultPolicies.reactivationMinWaitSeconds / 3600,
        reactivationBehaviour: s.defaultPolicies.reactivationBehaviour,
      },
      honeypot: s.honeypotProductCode !== null,
      honeypotProductCode: s.honeypotProductCode ?? '',
    });
  }, [settings.data]);

  if (settings.isPending) return <PageLoader />;
  if (settings.isError) return <ErrorNotice error={settings.error} onRetry={() => void settings.refetch()} />;

  return (
    <Page
      title="Settings"
      description={
        <>
          Defaults for every product that does not set its own policy. Last changed:{' '}
          <DateTime value={settings.data.updatedAt} />
        </>
      }
    >
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          setError(null);
          update.mutate(
            {
              defaultPolicies: {
                deactivationAllowed: v.defaultPolicies.deactivationAllowed,
                reactivationsAllowed: Number(v.defaultPolicies.reactivationsAllowed),
                reactivationMinWaitSeconds: Math.round(
                  Number(v.defaultPolicies.reactivationMinWaitHours) * 3600,
                ),
                reactivationBehaviour: v.defaultPolicies.reactivationBehaviour,
              },
              honeypotProductCode: v.honeypot ? Number(v.honeypotProductCode) : null,
            },
            {
              onSuccess: () => notifySuccess('Settings saved.'),
              onError: (e) =>
                setError(
                  applyProblem(form, e, {
                    'defaultPolicies.reactivationMinWaitSeconds': 'defaultPolicies.reactivationMinWaitHours',
                  }),
                ),
            },
          );
        })}
      >
        <Stack gap="lg">
          {error ? (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          ) : null}
          <Paper withBorder p="lg" radius="md">
            <Stack gap="md">
              <Text fw={600}>Default policies</Text>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
                <Switch
                  label="Customers may return (deactivate) licenses"
                  {...form.getInputProps('defaultPolicies.deactivationAllowed', { type: 'checkbox' })}
                />
                <Select
                  label="What a lost container gets at its next contact"
                  data={[
                    { value: 'withdraw', label: 'Withdraw the reactivated licenses' },
                    { value: 'blacklist', label: 'Blacklist the container (lock + honey-pot)' },
                  ]}
                  allowDeselect={false}
                  {...form.getInputProps('defaultPolicies.reactivationBehaviour')}
                />
                <NumberInput
                  label="Self-service reactivations per license"
                  min={0}
                  allowDecimal={false}
                  allowNegative={false}
                  {...form.getInputProps('defaultPolicies.reactivationsAllowed')}
                />
                <NumberInput
                  label="Waiting time between two reactivations (hours)"
                  min={0}
                  allowNegative={false}
                  {...form.getInputProps('defaultPolicies.reactivationMinWaitHours')}
                />
              </SimpleGrid>
            </Stack>
          </Paper>
          <Paper withBorder p="lg" radius="md">
            <Stack gap="md">
              <Text fw={600}>Honey-pot item</Text>
              <Text size="sm" c="dimmed">
                A blacklisted container receives a license with this product code; your software can report
                its use.
              </Text>
              <Switch
                label="Write a honey-pot item"
                {...form.getInputProps('honeypot', { type: 'checkbox' })}
              />
              {form.getValues().honeypot ? (
                <NumberInput
                  label="Honey-pot product code"
                  min={0}
                  allowDecimal={false}
                  allowNegative={false}
                  w={260}
                  {...form.getInputProps('honeypotProductCode')}
                />
              ) : null}
            </Stack>
          </Paper>
          <Group justify="flex-end">
            <Button type="submit" loading={update.isPending}>
              Save settings
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
};
