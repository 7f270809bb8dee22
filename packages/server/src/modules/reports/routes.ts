// GET /api/v1/reports/…: JSON pages by default; RFC 4180 CSV of the whole list with `Accept: text/csv` or
// `?format=csv`. Each route validates its query, requires an authenticated caller with the read scope, asks
// the service (which decides who may see what) and renders the result. Exports stop at EXPORT_ROW_LIMIT rows
// and say so in the Tessera-Export-Truncated header.

import type { Clock } from '@tessera/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { callerOf, requireAuth } from '../../http/authenticate.js';
import { problemResponses } from '../../http/openapi.js';
import { decodeCursor, pageRequest, pageSchema } from '../../http/pagination.js';
import { type CsvColumn, csvHeader, csvRow, csvStream } from './csv.js';
import * as s from './schemas.js';
import type { Listing, ReportsService } from './service.js';

export const EXPORT_ROW_LIMIT = 100_000;
const EXPORT_BATCH = 1000;

export interface ReportsRoutesDeps {
  db: Kysely<Database>;
  clock: Clock;
  reports: ReportsService;
  /** Most rows a CSV export holds (default EXPORT_ROW_LIMIT). */
  exportRowLimit?: number;
}

/** Every row of a listing, batch by batch, stopping after `limit` rows. */
export async function* exportBatches<Row>(listing: Listing<Row>, limit: number): AsyncGenerator<Row[]> {
  let after: string | undefined;
  let sent = 0;
  while (sent < limit) {
    const page = await listing.page({ after, limit: Math.min(EXPORT_BATCH, limit - sent) });
    yield page.items;
    sent += page.items.length;
    if (page.nextCursor === null) return;
    after = decodeCursor(page.nextCursor);
  }
}

const wantsCsv = (request: FastifyRequest, format: 'json' | 'csv' | undefined): boolean =>
  format !== undefined ? format === 'csv' : /\btext\/csv\b/i.test(request.headers.accept ?? '');

const DESCRIPTION =
  'JSON by default; `Accept: text/csv` or `?format=csv` downloads the whole list as CSV (at most 100,000 rows; ' +
  'Tessera-Export-Truncated: true when cut off). ISV admins see everything, group admins the groups they manage.';

export const registerReportsRoutes = (app: FastifyInstance, deps: ReportsRoutesDeps): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { db, reports } = deps;
  const limit = deps.exportRowLimit ?? EXPORT_ROW_LIMIT;

  const attachment = (reply: FastifyReply, name: string) =>
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header(
        'content-disposition',
        `attachment; filename="${name}-${deps.clock.now().toISOString().slice(0, 10)}.csv"`,
      );

  const sendList = async <Row>(
    request: FastifyRequest,
    reply: FastifyReply,
    query: { limit: number; cursor?: string | undefined; format?: 'json' | 'csv' | undefined },
    name: string,
    columns: CsvColumn<Row>[],
    listing: Listing<Row>,
  ) => {
    if (!wantsCsv(request, query.format)) return listing.page(pageRequest(query));
    const total = await listing.countUpTo(limit + 1);
    attachment(reply, name)
      .header('tessera-export-row-limit', String(limit))
      .header('tessera-export-truncated', total > limit ? 'true' : 'false');
    return reply.send(csvStream(columns, exportBatches(listing, limit)));
  };

  const sendSeries = <Row>(
    request: FastifyRequest,
    reply: FastifyReply,
    format: 'json' | 'csv' | undefined,
    name: string,
    columns: CsvColumn<Row>[],
    rows: Row[],
  ) =>
    wantsCsv(request, format)
      ? attachment(reply, name).send(csvHeader(columns) + rows.map((row) => csvRow(columns, row)).join(''))
      : undefined;

  const about = (summary: string) => ({ tags: ['reports'], summary, description: DESCRIPTION });

  api.get(
    '/reports/container-licenses',
    {
      onRequest: requireAuth('read'),
      schema: {
        ...about('Licenses in a container'),
        querystring: s.containerLicensesQuery,
        response: { 200: pageSchema(s.reportLicenseSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const listing = await reports.containerLicenses(db, callerOf(request).principal, request.query.serial);
      return sendList(request, reply, request.query, 'container-licenses', s.containerLicensesCsv, listing);
    },
  );

  api.get(
    '/reports/expiring-licenses',
    {
      onRequest: requireAuth('read'),
      schema: {
        ...about('Licenses expiring in the next N days, soonest first'),
        querystring: s.expiringLicensesQuery,
        response: { 200: pageSchema(s.reportLicenseSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const listing = await reports.expiringLicenses(db, callerOf(request).principal, request.query.days);
      return sendList(request, reply, request.query, 'expiring-licenses', s.expiringLicensesCsv, listing);
    },
  );

  api.get(
    '/reports/customer-containers',
    {
      onRequest: requireAuth('read'),
      schema: {
        ...about('Containers of a customer group and its subgroups'),
        querystring: s.customerContainersQuery,
        response: { 200: pageSchema(s.reportContainerSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const listing = await reports.customerContainers(
        db,
        callerOf(request).principal,
        request.query.groupId,
      );
      return sendList(request, reply, request.query, 'customer-containers', s.containersCsv, listing);
    },
  );

  api.get(
    '/reports/ticket-licenses',
    {
      onRequest: requireAuth('read'),
      schema: {
        ...about('Licenses of a ticket'),
        querystring: s.ticketLicensesQuery,
        response: { 200: pageSchema(s.reportLicenseSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const listing = await reports.ticketLicenses(db, callerOf(request).principal, request.query.ticket);
      return sendList(request, reply, request.query, 'ticket-licenses', s.ticketLicensesCsv, listing);
    },
  );

  api.get(
    '/reports/license-history',
    {
      onRequest: requireAuth('read'),
      schema: {
        ...about('Every state change of a license, oldest first'),
        querystring: s.licenseHistoryQuery,
        response: { 200: pageSchema(s.historyEntrySchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const listing = await reports.licenseHistory(db, callerOf(request).principal, request.query.licenseId);
      return sendList(request, reply, request.query, 'license-history', s.historyCsv, listing);
    },
  );

  api.get(
    '/reports/blacklist-locks',
    {
      onRequest: requireAuth('read'),
      schema: {
        ...about('Blacklist locks issued in a time range, executed or pending'),
        querystring: s.blacklistLocksQuery,
        response: { 200: pageSchema(s.blacklistLockSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const listing = await reports.blacklistLocks(db, callerOf(request).principal, request.query);
      return sendList(request, reply, request.query, 'blacklist-locks', s.blacklistLocksCsv, listing);
    },
  );

  api.get(
    '/reports/manipulated-containers',
    {
      onRequest: requireAuth('read'),
      schema: {
        ...about('Containers flagged manipulation detected'),
        querystring: s.manipulatedContainersQuery,
        response: { 200: pageSchema(s.reportContainerSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const listing = await reports.manipulatedContainers(db, callerOf(request).principal);
      return sendList(request, reply, request.query, 'manipulated-containers', s.containersCsv, listing);
    },
  );

  api.get(
    '/reports/activations-per-day',
    {
      onRequest: requireAuth('read'),
      schema: {
        ...about('License activations per UTC day (chart series)'),
        querystring: s.activationsPerDayQuery,
        response: { 200: s.activationsPerDaySchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const series = await reports.activationsPerDay(db, callerOf(request).principal, request.query);
      return (
        sendSeries(request, reply, request.query.format, 'activations-per-day', s.dailyCsv, series.days) ??
        series
      );
    },
  );

  api.get(
    '/reports/expiring-per-week',
    {
      onRequest: requireAuth('read'),
      schema: {
        ...about('Licenses expiring per ISO week (chart series)'),
        querystring: s.expiringPerWeekQuery,
        response: { 200: s.expiringPerWeekSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const series = await reports.expiringPerWeek(db, callerOf(request).principal, request.query.weeks);
      return (
        sendSeries(request, reply, request.query.format, 'expiring-per-week', s.weeklyCsv, series.weeks) ??
        series
      );
    },
  );
};
