// Request and response schemas of the reports (the source of validation and of the OpenAPI document), and
// the columns each report has when exported as CSV. JSON and CSV show the same rows; CSV leaves out ids
// nobody reads in a spreadsheet where the report already names the object.

import { z } from 'zod';
import { paginationQuery } from '../../http/pagination.js';
import type { CsvColumn } from './csv.js';
import type {
  BlacklistLock,
  DailyCount,
  HistoryEntry,
  ReportContainer,
  ReportLicense,
  WeeklyCount,
} from './service.js';

const timestamp = z.string().describe('ISO-8601 UTC instant');
const format = z
  .enum(['json', 'csv'])
  .optional()
  .describe('csv = RFC 4180 download (same as Accept: text/csv); default json');

const listQuery = paginationQuery.extend({ format });

export const containerLicensesQuery = listQuery.extend({
  serial: z.string().trim().min(1).max(100).describe('Container serial'),
});
export const expiringLicensesQuery = listQuery.extend({
  days: z.coerce.number().int().min(1).max(3650).default(30).describe('Window from now, 1–3650 days'),
});
export const customerContainersQuery = listQuery.extend({
  groupId: z.uuid().describe('Customer group; its subgroups are included'),
});
export const ticketLicensesQuery = listQuery.extend({
  ticket: z
    .string()
    .trim()
    .regex(
      /^[0-9A-Za-z]{5}([-\s]?[0-9A-Za-z]{5}){4}$/,
      'must be a ticket code: 25 letters and digits, dashes optional',
    )
    .describe('Ticket code, with or without dashes, any case'),
});
export const licenseHistoryQuery = listQuery.extend({ licenseId: z.uuid().describe('Ticket-license id') });
export const blacklistLocksQuery = listQuery.extend({
  from: z.iso.datetime().optional().describe('Locks issued at or after this instant (default: to − 30 days)'),
  to: z.iso.datetime().optional().describe('Locks issued before this instant (default: now)'),
  status: z.enum(['executed', 'pending']).optional().describe('Only executed or only pending locks'),
});
export const manipulatedContainersQuery = listQuery;
export const activationsPerDayQuery = z.object({
  from: z.iso.date().optional().describe('First UTC day, YYYY-MM-DD (default: 29 days before to)'),
  to: z.iso.date().optional().describe('Last UTC day, inclusive (default: today)'),
  format,
});
export const expiringPerWeekQuery = z.object({
  weeks: z.coerce
    .number()
    .int()
    .min(1)
    .max(260)
    .default(12)
    .describe('ISO weeks from the current one, 1–260'),
  format,
});

const licenseStates = z.enum([
  'available',
  'collected',
  'confirmed',
  'returning',
  'returned',
  'withdrawn',
  'revoked',
  'replaced',
]);
const containerStatuses = z.enum(['ok', 'manipulation_detected', 'blacklisted', 'recycled']);

export const reportLicenseSchema = z
  .object({
    licenseId: z.string().describe('Ticket-license id'),
    ticket: z.string().nullable().describe('Ticket code grouped by five; null for a pre-assigned license'),
    sku: z.string(),
    productName: z.string(),
    firmCode: z.number().int(),
    productCode: z.number().int(),
    generation: z.number().int(),
    state: licenseStates,
    activatedAt: timestamp.nullable(),
    expiresAt: timestamp.nullable().describe('Expiration time written into the license; null = perpetual'),
    groupId: z.string().describe("Customer group (the ticket's group)"),
    groupName: z.string(),
    containerSerial: z.string().nullable().describe('Container holding the current generation'),
  })
  .meta({ id: 'ReportLicense' });

export const reportContainerSchema = z
  .object({
    serial: z.string(),
    type: z.enum(['machine', 'portable', 'cloud']),
    status: containerStatuses,
    statusReason: z.string().nullable(),
    statusSince: timestamp.nullable().describe('When the status last changed'),
    groupId: z.string().nullable(),
    groupName: z.string().nullable(),
    lastContactAt: timestamp.nullable(),
    licenseCount: z.number().int().describe('Licenses whose current generation is in the container'),
  })
  .meta({ id: 'ReportContainer' });

export const historyEntrySchema = z
  .object({
    eventId: z.string(),
    at: timestamp,
    action: z.string().describe('e.g. license.activated, license.confirmed, license.returned'),
    fromState: z.string().nullable(),
    toState: z.string().nullable(),
    channel: z.string().nullable().describe('online, file, portal, push, auto or admin'),
    generation: z.number().int().nullable(),
    serial: z.string().nullable(),
    actor: z.string().describe('User e-mail, API token name, or "system"'),
    actorType: z.enum(['user', 'token', 'system']),
  })
  .meta({ id: 'LicenseHistoryEntry' });

export const blacklistLockSchema = z
  .object({
    stepId: z.string(),
    serial: z.string(),
    containerStatus: containerStatuses,
    groupId: z.string().nullable(),
    groupName: z.string().nullable(),
    firmCode: z.number().int(),
    channel: z.string().describe('How the step was issued: online, file, push or auto'),
    honeypot: z.boolean().describe('The step also writes the honey-pot marker'),
    issuedAt: timestamp,
    status: z.enum(['executed', 'pending']),
    executedAt: timestamp.nullable().describe('When a receipt or a later context proved the lock applied'),
  })
  .meta({ id: 'BlacklistLock' });

export const activationsPerDaySchema = z
  .object({
    from: z.string(),
    to: z.string(),
    total: z.number().int(),
    days: z.array(z.object({ date: z.string(), count: z.number().int() })),
  })
  .meta({ id: 'ActivationsPerDay' });

export const expiringPerWeekSchema = z
  .object({
    from: timestamp,
    to: timestamp,
    total: z.number().int(),
    weeks: z.array(
      z.object({
        week: z.string().describe('ISO week, e.g. 2026-W10'),
        start: z.string(),
        count: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'ExpiringPerWeek' });

// ——— CSV columns ———

const licenseColumns = {
  licenseId: { header: 'license_id', value: (r) => r.licenseId },
  ticket: { header: 'ticket', value: (r) => r.ticket },
  sku: { header: 'sku', value: (r) => r.sku },
  productName: { header: 'product', value: (r) => r.productName },
  firmCode: { header: 'firm_code', value: (r) => r.firmCode },
  productCode: { header: 'product_code', value: (r) => r.productCode },
  generation: { header: 'generation', value: (r) => r.generation },
  state: { header: 'state', value: (r) => r.state },
  activatedAt: { header: 'activated_at', value: (r) => r.activatedAt },
  expiresAt: { header: 'expires_at', value: (r) => r.expiresAt ?? 'never' },
  groupName: { header: 'customer', value: (r) => r.groupName },
  containerSerial: { header: 'container', value: (r) => r.containerSerial },
} satisfies Record<string, CsvColumn<ReportLicense>>;

const c = licenseColumns;
export const containerLicensesCsv: CsvColumn<ReportLicense>[] = [
  c.licenseId,
  c.ticket,
  c.sku,
  c.productName,
  c.productCode,
  c.generation,
  c.state,
  c.activatedAt,
  c.expiresAt,
];
export const ticketLicensesCsv: CsvColumn<ReportLicense>[] = [
  c.licenseId,
  c.ticket,
  c.sku,
  c.productName,
  c.productCode,
  c.generation,
  c.state,
  c.containerSerial,
  c.activatedAt,
  c.expiresAt,
];
export const expiringLicensesCsv: CsvColumn<ReportLicense>[] = [
  c.expiresAt,
  c.licenseId,
  c.ticket,
  c.sku,
  c.productName,
  c.productCode,
  c.state,
  c.groupName,
  c.containerSerial,
];

export const containersCsv: CsvColumn<ReportContainer>[] = [
  { header: 'serial', value: (r) => r.serial },
  { header: 'type', value: (r) => r.type },
  { header: 'customer', value: (r) => r.groupName },
  { header: 'status', value: (r) => r.status },
  { header: 'status_reason', value: (r) => r.statusReason },
  { header: 'status_since', value: (r) => r.statusSince },
  { header: 'last_contact_at', value: (r) => r.lastContactAt },
  { header: 'licenses', value: (r) => r.licenseCount },
];

export const historyCsv: CsvColumn<HistoryEntry>[] = [
  { header: 'at', value: (r) => r.at },
  { header: 'action', value: (r) => r.action },
  { header: 'from_state', value: (r) => r.fromState },
  { header: 'to_state', value: (r) => r.toState },
  { header: 'channel', value: (r) => r.channel },
  { header: 'generation', value: (r) => r.generation },
  { header: 'container', value: (r) => r.serial },
  { header: 'actor', value: (r) => r.actor },
];

export const blacklistLocksCsv: CsvColumn<BlacklistLock>[] = [
  { header: 'serial', value: (r) => r.serial },
  { header: 'customer', value: (r) => r.groupName },
  { header: 'firm_code', value: (r) => r.firmCode },
  { header: 'issued_at', value: (r) => r.issuedAt },
  { header: 'executed_at', value: (r) => r.executedAt ?? 'pending' },
  { header: 'channel', value: (r) => r.channel },
  { header: 'honeypot', value: (r) => (r.honeypot ? 'yes' : 'no') },
];

export const dailyCsv: CsvColumn<DailyCount>[] = [
  { header: 'date', value: (r) => r.date },
  { header: 'activations', value: (r) => r.count },
];

export const weeklyCsv: CsvColumn<WeeklyCount>[] = [
  { header: 'week', value: (r) => r.week },
  { header: 'start', value: (r) => r.start },
  { header: 'expiring', value: (r) => r.count },
];
