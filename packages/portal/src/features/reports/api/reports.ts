// The reports under /api/v1/reports: JSON pages for the tables, the same URL with ?format=csv for the
// download (a plain GET, so the browser streams the file), and the two chart series.

import { api, call } from '../../../api/client.js';
import type { components } from '../../../api/schema.js';

export type ReportLicense = components['schemas']['ReportLicense'];
export type ReportContainer = components['schemas']['ReportContainer'];
export type BlacklistLock = components['schemas']['BlacklistLock'];
export type ActivationsPerDay = components['schemas']['ActivationsPerDay'];
export type ExpiringPerWeek = components['schemas']['ExpiringPerWeek'];

type Query = Record<string, string | number | undefined>;

const clean = (query: Query) =>
  Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== '')) as Record<
    string,
    string | number
  >;

/** The CSV download URL of a report with these parameters. */
export const csvUrl = (path: string, query: Query): string => {
  const params = new URLSearchParams(Object.entries(clean(query)).map(([k, v]) => [k, String(v)]));
  params.set('format', 'csv');
  return `/api/v1/reports/${path}?${params.toString()}`;
};

const page = { limit: 50 };

export const expiringLicenses = (days: number, cursor?: string) =>
  call(
    api.GET('/api/v1/reports/expiring-licenses', {
      params: { query: { ...page, days, ...(cursor ? { cursor } : {}) } },
    }),
  );

export const containerLicenses = (serial: string, cursor?: string) =>
  call(
    api.GET('/api/v1/reports/container-licenses', {
      params: { query: { ...page, serial, ...(cursor ? { cursor } : {}) } },
    }),
  );

export const ticketLicenses = (ticket: string, cursor?: string) =>
  call(
    api.GET('/api/v1/reports/ticket-licenses', {
      params: { query: { ...page, ticket, ...(cursor ? { cursor } : {}) } },
    }),
  );

export const customerContainers = (groupId: string, cursor?: string) =>
  call(
    api.GET('/api/v1/reports/customer-containers', {
      params: { query: { ...page, groupId, ...(cursor ? { cursor } : {}) } },
    }),
  );

export const manipulatedContainers = (cursor?: string) =>
  call(
    api.GET('/api/v1/reports/manipulated-containers', {
      params: { query: { ...page, ...(cursor ? { cursor } : {}) } },
    }),
  );

export const blacklistLocks = (
  filter: { from?: string; to?: string; status?: 'executed' | 'pending' },
  cursor?: string,
) =>
  call(
    api.GET('/api/v1/reports/blacklist-locks', {
      params: { query: { ...page, ...clean(filter), ...(cursor ? { cursor } : {}) } },
    }),
  );

export const activationsPerDay = (from?: string, to?: string) =>
  call(
    api.GET('/api/v1/reports/activations-per-day', {
      params: { query: { ...(from ? { from } : {}), ...(to ? { to } : {}) } },
    }),
  );

export const expiringPerWeek = (weeks: number) =>
  call(api.GET('/api/v1/reports/expiring-per-week', { params: { query: { weeks } } }));
