// The license-options editor shared by the product form (every option) and the order form (only the options
// a product lets an order set). It edits `form.values[path]` in the API's shape, so a validation problem
// from the server (e.g. `defaultOptions.featureMap`) lands on the same input as the browser's own check.

import {
  Checkbox,
  Group,
  NumberInput,
  Radio,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { DateInput } from '@mantine/dates';
import { useEffect, useState } from 'react';
import type { FormAccess } from '../../lib/form-access.js';
import { hex32 } from '../../lib/format.js';
import {
  dayToInstant,
  hasBit,
  instantToDay,
  MAX_EXPIRATION_DAYS,
  MAX_QUANTITY,
  MAX_TEXT,
  OPTION_LABELS,
  type OptionName,
  parseFeatureMap,
  toggleBit,
} from './license-options.js';

interface EditorProps {
  form: FormAccess;
  /** Where the template lives in the form values, e.g. "defaultOptions" or "items.0.options". */
  path: string;
  /** Which options to show (an order shows only those the product allows); default all. */
  only?: readonly OptionName[];
}

/** Bit numbers 0–31 of the feature map. */
const BITS = Array.from({ length: 32 }, (_, bit) => bit);

const FeatureMapInput = ({ form, path }: { form: FormAccess; path: string }) => {
  const field = `${path}.featureMap`;
  const stored = form.get(field);
  const map = typeof stored === 'number' ? stored : 0;
  const [text, setText] = useState(hex32(map));
  useEffect(() => {
    setText((current) => (parseFeatureMap(current) === map ? current : hex32(map)));
  }, [map]);
  const error = form.error(field);
  return (
    <Stack gap="xs">
      <TextInput
        label={`${OPTION_LABELS.featureMap} (hexadecimal or decimal)`}
        description="32 bits your software reads as features or versions; toggle the bits below or type a value."
        value={text}
        error={error}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        maw={320}
        onChange={(event) => {
          const next = event.currentTarget.value;
          setText(next);
          const parsed = parseFeatureMap(next);
          form.set(field, parsed ?? Number.NaN);
        }}
      />
      <SimpleGrid
        cols={{ base: 8, sm: 16 }}
        spacing={4}
        verticalSpacing={4}
        role="group"
        aria-label="Feature bits"
      >
        {BITS.map((bit) => (
          <Checkbox
            key={bit}
            size="xs"
            label={String(bit)}
            aria-label={`Feature bit ${bit}`}
            checked={hasBit(map, bit)}
            onChange={() => form.set(field, toggleBit(map, bit))}
          />
        ))}
      </SimpleGrid>
    </Stack>
  );
};

const numberOrEmpty = (value: string | number): number | '' => (typeof value === 'number' ? value : '');

export const LicenseOptionsEditor = ({ form, path, only }: EditorProps) => {
  const shown = (name: OptionName) => !only || only.includes(name);
  const get = (name: OptionName): unknown => form.get(`${path}.${name}`);
  const set = (name: OptionName, value: unknown) => form.set(`${path}.${name}`, value);
  const err = (name: OptionName) => form.error(`${path}.${name}`);

  const expirationMode =
    get('expirationDays') !== null && get('expirationDays') !== undefined
      ? 'days'
      : get('expirationTime') !== null && get('expirationTime') !== undefined
        ? 'date'
        : 'never';
  const showExpiration = shown('expirationTime') || shown('expirationDays');
  const maintenance = get('maintenancePeriod') as { start: string; end: string } | null | undefined;
  const units = get('unitCounter');
  const usage = get('usagePeriodSeconds');

  return (
    <Stack gap="lg">
      {shown('featureMap') ? <FeatureMapInput form={form} path={path} /> : null}

      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        {shown('licenseQuantity') ? (
          <NumberInput
            label={OPTION_LABELS.licenseQuantity}
            description="Concurrent network seats; 1 for a single-user license."
            min={0}
            max={MAX_QUANTITY}
            allowDecimal={false}
            allowNegative={false}
            value={numberOrEmpty(get('licenseQuantity') as number)}
            onChange={(v) => set('licenseQuantity', typeof v === 'number' ? v : '')}
            error={err('licenseQuantity')}
          />
        ) : null}
        {shown('unitCounter') ? (
          <Stack gap={6}>
            <Switch
              label="Count units (pay per use)"
              checked={units !== null && units !== undefined}
              onChange={(event) => set('unitCounter', event.currentTarget.checked ? 100 : null)}
            />
            {units !== null && units !== undefined ? (
              <NumberInput
                label={OPTION_LABELS.unitCounter}
                description="Units the license starts with."
                min={0}
                allowDecimal={false}
                allowNegative={false}
                value={numberOrEmpty(units as number)}
                onChange={(v) => set('unitCounter', typeof v === 'number' ? v : '')}
                error={err('unitCounter')}
              />
            ) : (
              <Text size="sm" c="dimmed">
                Not counted.
              </Text>
            )}
          </Stack>
        ) : null}
      </SimpleGrid>

      {shown('activationTime') || showExpiration ? (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
          {shown('activationTime') ? (
            <DateInput
              label={`${OPTION_LABELS.activationTime} (UTC day)`}
              description="Empty = valid from the start."
              clearable
              valueFormat="YYYY-MM-DD"
              value={instantToDay(get('activationTime') as string | null)}
              onChange={(day) => set('activationTime', dayToInstant(day))}
              error={err('activationTime')}
            />
          ) : (
            <div />
          )}
          {showExpiration ? (
            <Stack gap="xs">
              <Radio.Group
                label="Expiration"
                value={expirationMode}
                onChange={(mode) => {
                  set('expirationTime', mode === 'date' ? (get('expirationTime') ?? null) : null);
                  set(
                    'expirationDays',
                    mode === 'days' ? ((get('expirationDays') as number | null) ?? 365) : null,
                  );
                }}
              >
                <Group gap="md" mt={6}>
                  <Radio value="never" label="Never" />
                  {shown('expirationTime') ? <Radio value="date" label="On a date" /> : null}
                  {shown('expirationDays') ? <Radio value="days" label="Days after activation" /> : null}
                </Group>
              </Radio.Group>
              {expirationMode === 'date' ? (
                <DateInput
                  label={`${OPTION_LABELS.expirationTime} (UTC day)`}
                  clearable
                  valueFormat="YYYY-MM-DD"
                  value={instantToDay(get('expirationTime') as string | null)}
                  onChange={(day) => set('expirationTime', dayToInstant(day))}
                  error={err('expirationTime')}
                />
              ) : null}
              {expirationMode === 'days' ? (
                <NumberInput
                  label={OPTION_LABELS.expirationDays}
                  description="Counted from the first activation; kept when a license is re-issued."
                  min={1}
                  max={MAX_EXPIRATION_DAYS}
                  allowDecimal={false}
                  allowNegative={false}
                  value={numberOrEmpty(get('expirationDays') as number)}
                  onChange={(v) => set('expirationDays', typeof v === 'number' ? v : '')}
                  error={err('expirationDays')}
                />
              ) : null}
            </Stack>
          ) : null}
        </SimpleGrid>
      ) : null}

      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        {shown('usagePeriodSeconds') ? (
          <Stack gap={6}>
            <Switch
              label="Limit the usage period"
              checked={usage !== null && usage !== undefined}
              onChange={(event) =>
                set('usagePeriodSeconds', event.currentTarget.checked ? 30 * 86_400 : null)
              }
            />
            {usage !== null && usage !== undefined ? (
              <NumberInput
                label={`${OPTION_LABELS.usagePeriodSeconds} (days)`}
                description="Days of use from the first access in the container."
                min={1}
                allowDecimal={false}
                allowNegative={false}
                value={typeof usage === 'number' ? usage / 86_400 : ''}
                onChange={(v) =>
                  set('usagePeriodSeconds', typeof v === 'number' ? Math.round(v * 86_400) : '')
                }
                error={err('usagePeriodSeconds')}
              />
            ) : null}
          </Stack>
        ) : null}
        {shown('maintenancePeriod') ? (
          <Stack gap={6}>
            <Switch
              label="Maintenance period"
              checked={Boolean(maintenance)}
              onChange={(event) => {
                const today = new Date().toISOString().slice(0, 10);
                const nextYear = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
                set(
                  'maintenancePeriod',
                  event.currentTarget.checked
                    ? { start: dayToInstant(today), end: dayToInstant(nextYear) }
                    : null,
                );
              }}
            />
            {maintenance ? (
              <Group grow align="flex-start">
                <DateInput
                  label="Maintenance from (UTC)"
                  valueFormat="YYYY-MM-DD"
                  value={instantToDay(maintenance.start)}
                  onChange={(day) => set('maintenancePeriod', { ...maintenance, start: dayToInstant(day) })}
                  error={err('maintenancePeriod')}
                />
                <DateInput
                  label="Maintenance until (UTC)"
                  valueFormat="YYYY-MM-DD"
                  value={instantToDay(maintenance.end)}
                  onChange={(day) => set('maintenancePeriod', { ...maintenance, end: dayToInstant(day) })}
                />
              </Group>
            ) : null}
          </Stack>
        ) : null}
      </SimpleGrid>

      {shown('text') ? (
        <TextInput
          label={OPTION_LABELS.text}
          description={`Shown to the customer; at most ${MAX_TEXT} characters.`}
          value={(get('text') as string | null) ?? ''}
          onChange={(event) =>
            set('text', event.currentTarget.value === '' ? null : event.currentTarget.value)
          }
          error={err('text')}
        />
      ) : null}
      {shown('protectedData') ? (
        <Textarea
          label={OPTION_LABELS.protectedData}
          description="Vendor bytes for your software, base64url (at most 4 KiB)."
          autosize
          minRows={1}
          maxRows={4}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          value={(get('protectedData') as string | null) ?? ''}
          onChange={(event) =>
            set('protectedData', event.currentTarget.value === '' ? null : event.currentTarget.value)
          }
          error={err('protectedData')}
        />
      ) : null}
    </Stack>
  );
};

/** Form errors for a template at `path`, from the shared validator. */
export const templateErrors = (
  errors: Partial<Record<string, string>>,
  path: string,
): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, message] of Object.entries(errors)) {
    if (message) out[name === '_' ? path : `${path}.${name}`] = message;
  }
  return out;
};
