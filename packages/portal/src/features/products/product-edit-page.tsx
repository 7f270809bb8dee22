// Create or edit a product: identity (SKU, firm code, product code), allowed container types, the default
// license options, which options an order may set, module items, and policies (each may fall back to the
// global default from Settings).

import '@mantine/dates/styles.css';
import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Divider,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { type ReactNode, useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Page } from '../../components/page.js';
import { ErrorNotice, PageLoader } from '../../components/states.js';
import { formAccess } from '../../lib/form-access.js';
import { formatDuration, hex32 } from '../../lib/format.js';
import { applyProblem, notifyError, notifySuccess } from '../../lib/forms.js';
import { useFirmCodes } from '../firm-codes/api/list-firm-codes.js';
import { type Settings, useSettings } from '../settings/api/get-settings.js';
import { useProduct } from './api/get-product.js';
import type { Product } from './api/list-products.js';
import { useCreateProduct, useSetProductArchived, useUpdateProduct } from './api/save-product.js';
import {
  defaultTemplate,
  type LicenseTemplate,
  OPTION_LABELS,
  OPTION_NAMES,
  type OptionName,
  parseFeatureMap,
  validateTemplate,
} from './license-options.js';
import { LicenseOptionsEditor, templateErrors } from './options-editor.js';

type ContainerType = Product['containerTypes'][number];
type Policies = Product['policies'];

interface ModuleRow {
  productCode: number | '';
  featureMap: string;
  text: string;
}

interface ProductFormValues {
  sku: string;
  name: string;
  description: string;
  firmCode: string;
  productCode: number | '';
  containerTypes: ContainerType[];
  defaultOptions: LicenseTemplate;
  orderOptions: OptionName[];
  modules: ModuleRow[];
  policies: Policies;
}

const emptyValues = (): ProductFormValues => ({
  sku: '',
  name: '',
  description: '',
  firmCode: '',
  productCode: '',
  containerTypes: ['machine', 'portable'],
  defaultOptions: defaultTemplate(),
  orderOptions: [],
  modules: [],
  policies: {
    deactivationAllowed: null,
    reactivationsAllowed: null,
    reactivationMinWaitSeconds: null,
    reactivationBehaviour: null,
    keepTicketComplete: false,
  },
});

const valuesOf = (p: Product): ProductFormValues => ({
  sku: p.sku,
  name: p.name,
  description: p.description,
  firmCode: String(p.firmCode),
  productCode: p.productCode,
  containerTypes: p.containerTypes,
  defaultOptions: p.defaultOptions,
  orderOptions: p.orderOptions,
  modules: p.modules.map((m) => ({
    productCode: m.productCode,
    featureMap: m.featureMap === null ? '' : hex32(m.featureMap),
    text: m.text ?? '',
  })),
  policies: p.policies,
});

const CONTAINER_TYPE_LABELS: Record<ContainerType, string> = {
  machine: 'Machine (bound to one computer)',
  portable: 'Portable (like a dongle)',
  cloud: 'Cloud (held by Central)',
};

const isCode = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;

const validate = (values: ProductFormValues): Record<string, string> => {
  const errors: Record<string, string> = templateErrors(
    validateTemplate(values.defaultOptions),
    'defaultOptions',
  );
  if (values.sku.trim() === '') errors.sku = 'Enter the SKU.';
  else if (!/^[\x21-\x7e]+$/.test(values.sku.trim())) errors.sku = 'Use printable ASCII without spaces.';
  if (values.name.trim() === '') errors.name = 'Enter a name.';
  if (values.firmCode === '') errors.firmCode = 'Choose a firm code.';
  if (!isCode(values.productCode)) errors.productCode = 'Enter a whole number from 0 to 4294967295.';
  if (values.containerTypes.length === 0) errors.containerTypes = 'Allow at least one container type.';
  const codes = new Set<number>();
  values.modules.forEach((m, i) => {
    if (!isCode(m.productCode)) errors[`modules.${i}.productCode`] = 'Enter a product code.';
    else if (codes.has(m.productCode as number))
      errors[`modules.${i}.productCode`] = 'Module items need distinct product codes.';
    else codes.add(m.productCode as number);
    if (m.featureMap.trim() !== '' && parseFeatureMap(m.featureMap) === null)
      errors[`modules.${i}.featureMap`] = 'Enter a 32-bit value, e.g. 0x0F.';
    if (m.text.length > 256) errors[`modules.${i}.text`] = 'At most 256 characters.';
  });
  const p = values.policies;
  if (
    p.reactivationsAllowed !== null &&
    !(Number.isInteger(p.reactivationsAllowed) && p.reactivationsAllowed >= 0)
  )
    errors['policies.reactivationsAllowed'] = 'Enter a whole number (0 = none).';
  if (
    p.reactivationMinWaitSeconds !== null &&
    !(Number.isInteger(p.reactivationMinWaitSeconds) && p.reactivationMinWaitSeconds >= 0)
  )
    errors['policies.reactivationMinWaitSeconds'] = 'Enter a whole number of hours.';
  return errors;
};

const bodyOf = (values: ProductFormValues) => ({
  sku: values.sku.trim(),
  name: values.name.trim(),
  description: values.description,
  productCode: Number(values.productCode),
  containerTypes: values.containerTypes,
  defaultOptions: values.defaultOptions,
  orderOptions: values.orderOptions,
  modules: values.modules.map((m) => ({
    productCode: Number(m.productCode),
    featureMap: m.featureMap.trim() === '' ? null : parseFeatureMap(m.featureMap),
    text: m.text === '' ? null : m.text,
  })),
  policies: values.policies,
});

const Section = ({
  title,
  description,
  children,
}: {
  title: string;
  description?: string;
  children: ReactNode;
}) => (
  <Paper withBorder p="lg" radius="md" component="section">
    <Stack gap="md">
      <div>
        <Title order={2} size="h4">
          {title}
        </Title>
        {description ? (
          <Text size="sm" c="dimmed">
            {description}
          </Text>
        ) : null}
      </div>
      {children}
    </Stack>
  </Paper>
);

/** A policy that may be left to the global default (null). */
const PolicyField = ({
  label,
  inherited,
  isDefault,
  onDefaultChange,
  children,
}: {
  label: string;
  inherited: string;
  isDefault: boolean;
  onDefaultChange: (useDefault: boolean) => void;
  children: ReactNode;
}) => (
  <Stack gap={6}>
    <Group justify="space-between" wrap="nowrap" align="center">
      <Text size="sm" fw={500}>
        {label}
      </Text>
      <Switch
        size="sm"
        label="Use global default"
        checked={isDefault}
        onChange={(e) => onDefaultChange(e.currentTarget.checked)}
        aria-label={`${label}: use global default`}
      />
    </Group>
    {isDefault ? (
      <Text size="sm" c="dimmed">
        Global default: {inherited}
      </Text>
    ) : (
      children
    )}
  </Stack>
);

const PoliciesEditor = ({
  form,
  settings,
}: {
  form: ReturnType<typeof useForm<ProductFormValues>>;
  settings: Settings | undefined;
}) => {
  const p = form.getValues().policies;
  const d = settings?.defaultPolicies;
  const set = <K extends keyof Policies>(key: K, value: Policies[K]) =>
    form.setFieldValue('policies', { ...form.getValues().policies, [key]: value });
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xl" verticalSpacing="lg">
      <PolicyField
        label="Customers may return (deactivate) licenses"
        inherited={d ? (d.deactivationAllowed ? 'allowed' : 'not allowed') : '…'}
        isDefault={p.deactivationAllowed === null}
        onDefaultChange={(on) => set('deactivationAllowed', on ? null : (d?.deactivationAllowed ?? true))}
      >
        <Switch
          label="Deactivation allowed"
          checked={p.deactivationAllowed === true}
          onChange={(e) => set('deactivationAllowed', e.currentTarget.checked)}
        />
      </PolicyField>
      <PolicyField
        label="Self-service reactivations per license"
        inherited={d ? String(d.reactivationsAllowed) : '…'}
        isDefault={p.reactivationsAllowed === null}
        onDefaultChange={(on) => set('reactivationsAllowed', on ? null : (d?.reactivationsAllowed ?? 1))}
      >
        <NumberInput
          aria-label="Reactivations allowed"
          min={0}
          allowDecimal={false}
          allowNegative={false}
          value={p.reactivationsAllowed ?? 0}
          onChange={(v) => set('reactivationsAllowed', typeof v === 'number' ? v : 0)}
          error={form.errors['policies.reactivationsAllowed']}
        />
      </PolicyField>
      <PolicyField
        label="Waiting time between two reactivations"
        inherited={d ? formatDuration(d.reactivationMinWaitSeconds) : '…'}
        isDefault={p.reactivationMinWaitSeconds === null}
        onDefaultChange={(on) =>
          set('reactivationMinWaitSeconds', on ? null : (d?.reactivationMinWaitSeconds ?? 0))
        }
      >
        <NumberInput
          aria-label="Waiting time in hours"
          suffix=" h"
          min={0}
          allowDecimal={false}
          allowNegative={false}
          value={(p.reactivationMinWaitSeconds ?? 0) / 3600}
          onChange={(v) =>
            set('reactivationMinWaitSeconds', typeof v === 'number' ? Math.round(v * 3600) : 0)
          }
          error={form.errors['policies.reactivationMinWaitSeconds']}
        />
      </PolicyField>
      <PolicyField
        label="What the lost container gets"
        inherited={d ? d.reactivationBehaviour : '…'}
        isDefault={p.reactivationBehaviour === null}
        onDefaultChange={(on) =>
          set('reactivationBehaviour', on ? null : (d?.reactivationBehaviour ?? 'withdraw'))
        }
      >
        <Select
          aria-label="Reactivation behaviour"
          data={[
            { value: 'withdraw', label: 'Withdraw the licenses' },
            { value: 'blacklist', label: 'Blacklist the container' },
          ]}
          value={p.reactivationBehaviour ?? 'withdraw'}
          allowDeselect={false}
          onChange={(v) => set('reactivationBehaviour', v === 'blacklist' ? 'blacklist' : 'withdraw')}
        />
      </PolicyField>
      <Switch
        label="Keep a ticket's licenses together (one container, moved together)"
        checked={p.keepTicketComplete}
        onChange={(e) => set('keepTicketComplete', e.currentTarget.checked)}
      />
    </SimpleGrid>
  );
};

export const ProductEditPage = () => {
  const { id } = useParams();
  const editing = id !== undefined;
  const navigate = useNavigate();
  const product = useProduct(id);
  const firmCodes = useFirmCodes();
  const settings = useSettings();
  const create = useCreateProduct();
  const update = useUpdateProduct();
  const archive = useSetProductArchived();
  const [error, setError] = useState<string | null>(null);
  const form = useForm<ProductFormValues>({ initialValues: emptyValues(), validate });
  const access = formAccess(form);

  // biome-ignore lint/correctness/useExhaustiveDependencies: load the product into the form once it arrives
  useEffect(() => {
    if (product.data) {
      form.setValues(valuesOf(product.data));
      form.resetDirty(valuesOf(product.data));
    }
  }, [product.data]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: preselect a lone firm code once
  useEffect(() => {
    const only = firmCodes.data?.items[0];
    if (!editing && only && firmCodes.data?.items.length === 1 && form.getValues().firmCode === '') {
      form.setFieldValue('firmCode', String(only.firmCode));
    }
  }, [firmCodes.data, editing]);

  if (editing && product.isPending) return <PageLoader />;
  if (editing && product.isError)
    return <ErrorNotice error={product.error} onRetry={() => void product.refetch()} />;

  const submit = form.onSubmit(
    (values) => {
      setError(null);
      const onError = (e: unknown) => setError(applyProblem(form, e));
      if (editing && id) {
        update.mutate(
          { id, body: bodyOf(values) },
          {
            onSuccess: (saved) => {
              notifySuccess(`Product ${saved.sku} saved.`);
              form.resetDirty();
            },
            onError,
          },
        );
      } else {
        create.mutate(
          { ...bodyOf(values), firmCode: Number(values.firmCode) },
          {
            onSuccess: (saved) => {
              notifySuccess(`Product ${saved.sku} created.`);
              navigate(`/products/${saved.id}`, { replace: true });
            },
            onError,
          },
        );
      }
    },
    () => setError(null),
  );

  const values = form.getValues();
  const archived = product.data?.archivedAt ?? null;

  return (
    <Page
      title={editing ? `Product ${product.data?.sku ?? ''}` : 'New product'}
      description={
        editing
          ? 'Changes apply to licenses issued from now on; licenses already in containers keep their options.'
          : 'Define what an order line turns into: a license with these options.'
      }
      actions={
        editing && id ? (
          <Button
            variant="default"
            loading={archive.isPending}
            onClick={() =>
              archive.mutate(
                { id, archived: !archived },
                {
                  onSuccess: () => notifySuccess(archived ? 'Product restored.' : 'Product archived.'),
                  onError: notifyError,
                },
              )
            }
          >
            {archived ? 'Unarchive' : 'Archive'}
          </Button>
        ) : null
      }
    >
      <form noValidate onSubmit={submit}>
        <Stack gap="lg">
          {error ? (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          ) : null}
          {Object.keys(form.errors).length > 0 && error === null ? (
            <Alert color="red" role="alert">
              Some fields need attention; they are marked below.
            </Alert>
          ) : null}
          {archived ? (
            <Alert color="gray">
              This product is archived: it cannot be ordered. Its licenses are unaffected.
            </Alert>
          ) : null}
          <Section title="Product">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
              <TextInput
                label="SKU"
                description="The item id your ERP or shop uses; unique."
                required
                {...form.getInputProps('sku')}
              />
              <TextInput
                label="Name"
                description="Shown on tickets and in reports."
                required
                {...form.getInputProps('name')}
              />
              <Select
                label="Firm code"
                required
                disabled={editing}
                description={
                  editing
                    ? 'A product stays in its firm code.'
                    : 'The licensing namespace that signs its licenses.'
                }
                placeholder={firmCodes.isPending ? 'Loading…' : 'Choose a firm code'}
                data={(firmCodes.data?.items ?? []).map((fc) => ({
                  value: String(fc.firmCode),
                  label: `${fc.firmCode} · ${fc.name}`,
                }))}
                nothingFoundMessage="Create a firm code first"
                allowDeselect={false}
                {...form.getInputProps('firmCode')}
              />
              <NumberInput
                label="Product code"
                description="The number your software checks for."
                required
                min={0}
                allowDecimal={false}
                allowNegative={false}
                {...form.getInputProps('productCode')}
              />
            </SimpleGrid>
            <Textarea
              label="Description"
              autosize
              minRows={2}
              maxRows={6}
              {...form.getInputProps('description')}
            />
            <Checkbox.Group label="Allowed container types" {...form.getInputProps('containerTypes')}>
              <Group gap="lg" mt={6}>
                {(Object.keys(CONTAINER_TYPE_LABELS) as ContainerType[]).map((t) => (
                  <Checkbox key={t} value={t} label={CONTAINER_TYPE_LABELS[t]} />
                ))}
              </Group>
            </Checkbox.Group>
          </Section>

          <Section
            title="License options"
            description="What every license of this product says unless an order sets a value."
          >
            <LicenseOptionsEditor form={access} path="defaultOptions" />
          </Section>

          <Section
            title="Order options"
            description="Options an order may set per item (for example a customer-specific expiration)."
          >
            <Checkbox.Group aria-label="Order options" {...form.getInputProps('orderOptions')}>
              <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="xs">
                {OPTION_NAMES.map((name) => (
                  <Checkbox key={name} value={name} label={OPTION_LABELS[name]} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
          </Section>

          <Section
            title="Module items"
            description="Child entries with their own product code that inherit this product's options."
          >
            {values.modules.length === 0 ? (
              <Text size="sm" c="dimmed">
                No module items.
              </Text>
            ) : (
              <Table.ScrollContainer minWidth={560}>
                <Table withRowBorders={false}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Product code</Table.Th>
                      <Table.Th>Feature map (empty = inherit)</Table.Th>
                      <Table.Th>Text</Table.Th>
                      <Table.Th />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {values.modules.map((_, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place by position
                      <Table.Tr key={i}>
                        <Table.Td>
                          <NumberInput
                            aria-label={`Module ${i + 1} product code`}
                            min={0}
                            allowDecimal={false}
                            allowNegative={false}
                            {...form.getInputProps(`modules.${i}.productCode`)}
                          />
                        </Table.Td>
                        <Table.Td>
                          <TextInput
                            aria-label={`Module ${i + 1} feature map`}
                            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                            {...form.getInputProps(`modules.${i}.featureMap`)}
                          />
                        </Table.Td>
                        <Table.Td>
                          <TextInput
                            aria-label={`Module ${i + 1} text`}
                            {...form.getInputProps(`modules.${i}.text`)}
                          />
                        </Table.Td>
                        <Table.Td>
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            aria-label={`Remove module ${i + 1}`}
                            onClick={() => form.removeListItem('modules', i)}
                          >
                            <IconTrash size={16} aria-hidden />
                          </ActionIcon>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            <Group>
              <Button
                variant="default"
                size="xs"
                leftSection={<IconPlus size={14} aria-hidden />}
                onClick={() => form.insertListItem('modules', { productCode: '', featureMap: '', text: '' })}
              >
                Add module item
              </Button>
            </Group>
          </Section>

          <Section
            title="Policies"
            description="Returning and reactivating licenses; each can follow the global default from Settings."
          >
            <PoliciesEditor form={form} settings={settings.data} />
          </Section>

          <Divider />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => navigate('/products')}>
              Back to products
            </Button>
            <Button type="submit" loading={create.isPending || update.isPending}>
              {editing ? 'Save product' : 'Create product'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
};
