// A new order: the customer, the ERP's order id, items (product, quantity and the order-specific option
// values the product allows), free data fields, how tickets are cut and to whom they are allocated.

import '@mantine/dates/styles.css';
import {
  ActionIcon,
  Alert,
  Button,
  Divider,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { Page } from '../../components/page.js';
import { formAccess } from '../../lib/form-access.js';
import { applyProblem, notifySuccess } from '../../lib/forms.js';
import { newIdempotencyKey } from '../../lib/ids.js';
import { groupPaths, useGroups } from '../admin/groups/api/list-groups.js';
import { useUsers } from '../admin/groups/api/list-users.js';
import { type Product, useProducts } from '../products/api/list-products.js';
import { type LicenseTemplate, OPTION_LABELS, validateTemplate } from '../products/license-options.js';
import { LicenseOptionsEditor, templateErrors } from '../products/options-editor.js';
import { type CreateOrderBody, useCreateOrder } from './api/create-order.js';

interface ItemValues {
  productId: string;
  quantity: number | '';
  /** The product's default values for the options an order may set; only changed ones are sent. */
  options: Partial<LicenseTemplate>;
}

interface OrderFormValues {
  customerGroupId: string;
  externalOrderId: string;
  items: ItemValues[];
  data: { key: string; value: string }[];
  ticketPerLicense: boolean;
  userId: string;
  visibleToMembers: boolean;
  containerSerial: string;
}

const pick = (template: LicenseTemplate, names: readonly string[]): Partial<LicenseTemplate> =>
  Object.fromEntries(names.map((n) => [n, template[n as keyof LicenseTemplate]]));

const changedOptions = (product: Product | undefined, options: Partial<LicenseTemplate>) => {
  if (!product) return undefined;
  const changed = Object.fromEntries(
    Object.entries(options).filter(
      ([name, value]) =>
        JSON.stringify(value) !== JSON.stringify(product.defaultOptions[name as keyof LicenseTemplate]),
    ),
  );
  return Object.keys(changed).length > 0 ? changed : undefined;
};

export const OrderCreatePage = () => {
  const navigate = useNavigate();
  const groups = useGroups();
  const products = useProducts({});
  const create = useCreateOrder();
  const idempotencyKey = useRef(newIdempotencyKey());
  const [error, setError] = useState<string | null>(null);
  const productById = useMemo(
    () => new Map((products.data?.items ?? []).map((p) => [p.id, p])),
    [products.data],
  );

  const form = useForm<OrderFormValues>({
    initialValues: {
      customerGroupId: '',
      externalOrderId: '',
      items: [{ productId: '', quantity: 1, options: {} }],
      data: [],
      ticketPerLicense: true,
      userId: '',
      visibleToMembers: true,
      containerSerial: '',
    },
    validate: (values) => {
      const errors: Record<string, string> = {};
      if (!values.customerGroupId) errors.customerGroupId = 'Choose the customer.';
      values.items.forEach((item, i) => {
        if (!item.productId) errors[`items.${i}.productId`] = 'Choose a product.';
        if (typeof item.quantity !== 'number' || item.quantity < 1 || item.quantity > 1000)
          errors[`items.${i}.quantity`] = 'Enter a quantity from 1 to 1000.';
        Object.assign(errors, templateErrors(validateTemplate(item.options, true), `items.${i}.options`));
      });
      values.data.forEach((row, i) => {
        if (row.key.trim() === '') errors[`data.${i}.key`] = 'Enter a field name.';
      });
      if (
        values.containerSerial.trim() !== '' &&
        !/^(130|3|128)-[1-9][0-9]{0,11}$/.test(values.containerSerial.trim())
      )
        errors.containerSerial = 'A serial looks like 130-123456789 (mask 130, 3 or 128).';
      return errors;
    },
  });
  const access = formAccess(form);
  const values = form.getValues();
  const users = useUsers(values.customerGroupId || null);
  const paths = useMemo(() => groupPaths(groups.data ?? []), [groups.data]);
  const customers = (groups.data ?? [])
    .filter((g) => g.kind !== 'vendor')
    .map((g) => ({ value: g.id, label: paths.get(g.id) ?? g.name }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const productOptions = (products.data?.items ?? []).map((p) => ({
    value: p.id,
    label: `${p.sku} · ${p.name}`,
  }));

  const submit = form.onSubmit(
    (v) => {
      setError(null);
      const data = Object.fromEntries(v.data.map((row) => [row.key.trim(), row.value]));
      const body: CreateOrderBody = {
        customerGroupId: v.customerGroupId,
        ...(v.externalOrderId.trim() ? { externalOrderId: v.externalOrderId.trim() } : {}),
        ...(v.data.length > 0 ? { data } : {}),
        items: v.items.map((item) => {
          const options = changedOptions(productById.get(item.productId), item.options);
          return {
            productId: item.productId,
            quantity: Number(item.quantity),
            ...(options ? { options } : {}),
          };
        }),
        ticketPerLicense: v.ticketPerLicense,
        ...(v.userId ? { allocation: { userId: v.userId, visibleToMembers: v.visibleToMembers } } : {}),
        ...(!v.userId && !v.visibleToMembers ? { allocation: { visibleToMembers: false } } : {}),
        ...(v.containerSerial.trim() ? { containerSerial: v.containerSerial.trim() } : {}),
      };
      create.mutate(
        { body, idempotencyKey: idempotencyKey.current },
        {
          onSuccess: (result) => {
            const count = result.tickets.length;
            notifySuccess(`Order created with ${count} ticket${count === 1 ? '' : 's'}.`);
            navigate(`/orders/${result.order.id}`);
          },
          onError: (e) => setError(applyProblem(form, e)),
        },
      );
    },
    () => setError(null),
  );

  return (
    <Page
      title="New order"
      description="The order's tickets appear once it is created; each carries licenses to activate."
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
          <Paper withBorder p="lg" radius="md">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
              <Select
                label="Customer"
                description="The group the tickets are allocated to."
                placeholder={groups.isPending ? 'Loading…' : 'Choose the customer group'}
                data={customers}
                searchable
                required
                nothingFoundMessage="No such customer"
                allowDeselect={false}
                {...form.getInputProps('customerGroupId')}
                onChange={(v) => {
                  form.setFieldValue('customerGroupId', v ?? '');
                  form.setFieldValue('userId', '');
                }}
              />
              <TextInput
                label="Order id (ERP)"
                description="Optional; unique per customer."
                {...form.getInputProps('externalOrderId')}
              />
            </SimpleGrid>
          </Paper>

          <Paper withBorder p="lg" radius="md">
            <Stack gap="md">
              <Title order={2} size="h4">
                Items
              </Title>
              {values.items.map((item, i) => {
                const product = productById.get(item.productId);
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: items are edited in place by position
                  <Stack key={i} gap="sm">
                    {i > 0 ? <Divider /> : null}
                    <Group align="flex-end" wrap="nowrap" gap="md">
                      <Select
                        label={`Product${values.items.length > 1 ? ` (item ${i + 1})` : ''}`}
                        placeholder={products.isPending ? 'Loading…' : 'Choose a product'}
                        data={productOptions}
                        searchable
                        required
                        style={{ flex: 1 }}
                        nothingFoundMessage="No such product"
                        allowDeselect={false}
                        {...form.getInputProps(`items.${i}.productId`)}
                        onChange={(id) => {
                          const chosen = id ? productById.get(id) : undefined;
                          form.setFieldValue(`items.${i}.productId`, id ?? '');
                          form.setFieldValue(
                            `items.${i}.options`,
                            chosen ? pick(chosen.defaultOptions, chosen.orderOptions) : {},
                          );
                        }}
                      />
                      <NumberInput
                        label="Quantity"
                        min={1}
                        max={1000}
                        allowDecimal={false}
                        allowNegative={false}
                        w={120}
                        {...form.getInputProps(`items.${i}.quantity`)}
                      />
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        size="lg"
                        mb={2}
                        disabled={values.items.length === 1}
                        aria-label={`Remove item ${i + 1}`}
                        onClick={() => form.removeListItem('items', i)}
                      >
                        <IconTrash size={18} aria-hidden />
                      </ActionIcon>
                    </Group>
                    {product && product.orderOptions.length > 0 ? (
                      <Paper bg="gray.0" p="md" radius="sm">
                        <Text size="sm" fw={600} mb="sm">
                          Order-specific values (
                          {product.orderOptions.map((n) => OPTION_LABELS[n]).join(', ')})
                        </Text>
                        <LicenseOptionsEditor
                          form={access}
                          path={`items.${i}.options`}
                          only={product.orderOptions}
                        />
                      </Paper>
                    ) : null}
                  </Stack>
                );
              })}
              <Group>
                <Button
                  variant="default"
                  size="xs"
                  leftSection={<IconPlus size={14} aria-hidden />}
                  onClick={() => form.insertListItem('items', { productId: '', quantity: 1, options: {} })}
                >
                  Add item
                </Button>
              </Group>
            </Stack>
          </Paper>

          <Paper withBorder p="lg" radius="md">
            <Stack gap="md">
              <Title order={2} size="h4">
                Tickets and allocation
              </Title>
              <Switch
                label="One ticket per license (recommended)"
                description="Off: all licenses of the order go into one ticket."
                {...form.getInputProps('ticketPerLicense', { type: 'checkbox' })}
              />
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
                <Select
                  label="Allocate to a user"
                  description="Optional: a member of the customer group."
                  placeholder={values.customerGroupId ? 'The whole group' : 'Choose the customer first'}
                  disabled={!values.customerGroupId}
                  data={(users.data?.items ?? []).map((u) => ({
                    value: u.id,
                    label: `${u.name || u.email} (${u.email})`,
                  }))}
                  clearable
                  value={values.userId || null}
                  onChange={(v) => {
                    form.setFieldValue('userId', v ?? '');
                    form.setFieldValue('visibleToMembers', !v);
                  }}
                />
                <Switch
                  mt={{ base: 0, sm: 28 }}
                  label="Visible to every member of the group"
                  {...form.getInputProps('visibleToMembers', { type: 'checkbox' })}
                />
                <TextInput
                  label="Pre-assign to a container"
                  description="Optional serial; the licenses arrive at its next contact."
                  placeholder="130-123456789"
                  {...form.getInputProps('containerSerial')}
                />
              </SimpleGrid>
            </Stack>
          </Paper>

          <Paper withBorder p="lg" radius="md">
            <Stack gap="sm">
              <Title order={2} size="h4">
                Data fields
              </Title>
              <Text size="sm" c="dimmed">
                Free fields kept with the order (for example a purchase order number).
              </Text>
              {values.data.map((_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place by position
                <Group key={i} align="flex-start" wrap="nowrap">
                  <TextInput
                    aria-label={`Field ${i + 1} name`}
                    placeholder="Name"
                    {...form.getInputProps(`data.${i}.key`)}
                  />
                  <TextInput
                    aria-label={`Field ${i + 1} value`}
                    placeholder="Value"
                    style={{ flex: 1 }}
                    {...form.getInputProps(`data.${i}.value`)}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    size="lg"
                    aria-label={`Remove field ${i + 1}`}
                    onClick={() => form.removeListItem('data', i)}
                  >
                    <IconTrash size={18} aria-hidden />
                  </ActionIcon>
                </Group>
              ))}
              <Group>
                <Button
                  variant="default"
                  size="xs"
                  leftSection={<IconPlus size={14} aria-hidden />}
                  onClick={() => form.insertListItem('data', { key: '', value: '' })}
                >
                  Add field
                </Button>
              </Group>
            </Stack>
          </Paper>

          <Group justify="flex-end">
            <Button variant="default" onClick={() => navigate('/orders')}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create order
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
};
