// Reports over licenses, containers and the audit log, for the vendor's back office and for resellers and
// customers who administer groups. It decides who may read what (admins only; a group admin sees the rows of
// the groups it manages, and an object outside them answers 404) and shapes rows for the API. Lists come back
// as a Listing that the route pages through (JSON) or exports whole (CSV). Nothing here writes.

import { type Clock, TesseraError } from '@tessera/core';
import type { ContainerStatus, ContainerTypeName, LicenseState } from '../../db/schema-licensing.js';
import type { Executor } from '../../db/transaction.js';
import { type Page, type PageRequest, toPage } from '../../http/pagination.js';
import {
  canManageGroup,
  forbidden,
  type GroupVisibility,
  isAnyAdmin,
  managedVisibility,
  notFound,
  type Principal,
} from '../accounts/policy.js';
import { findGroup } from '../accounts/repository.js';
import * as repo from './repository.js';

/** A list that can be read page by page (JSON) or counted and read to the end (CSV export). */
export interface Listing<Row> {
  page(request: PageRequest): Promise<Page<Row>>;
  /** Rows in the whole list, counting no further than `max`. */
  countUpTo(max: number): Promise<number>;
}

export interface ReportLicense {
  licenseId: string;
  ticket: string | null;
  sku: string;
  productName: string;
  firmCode: number;
  productCode: number;
  generation: number;
  state: LicenseState;
  activatedAt: string | null;
  expiresAt: string | null;
  groupId: string;
  groupName: string;
  containerSerial: string | null;
}

export interface ReportContainer {
  serial: string;
  type: ContainerTypeName;
  status: ContainerStatus;
  statusReason: string | null;
  statusSince: string | null;
  groupId: string | null;
  groupName: string | null;
  lastContactAt: string | null;
  licenseCount: number;
}

export type ActorType = 'user' | 'token' | 'system';

export interface HistoryEntry {
  eventId: string;
  at: string;
  action: string;
  fromState: string | null;
  toState: string | null;
  channel: string | null;
  generation: number | null;
  serial: string | null;
  actor: string;
  actorType: ActorType;
}

export interface BlacklistLock {
  stepId: string;
  serial: string;
  containerStatus: ContainerStatus;
  groupId: string | null;
  groupName: string | null;
  firmCode: number;
  channel: string;
  honeypot: boolean;
  issuedAt: string;
  status: 'executed' | 'pending';
  executedAt: string | null;
}

export interface DailyCount {
  date: string;
  count: number;
}

export interface WeeklyCount {
  /** ISO 8601 week, e.g. 2026-W10. */
  week: string;
  /** Monday of that week (UTC date). */
  start: string;
  count: number;
}

export const DAY_MS = 86_400_000;
/** Longest span of the activations-per-day series. */
export const MAX_SERIES_DAYS = 366;

/** Ticket codes are stored as 25 characters without dashes; people type them grouped by five, any case. */
export const normalizeTicketCode = (code: string): string => code.replace(/[-\s]/g, '').toUpperCase();
export const displayTicketCode = (code: string): string => code.match(/.{1,5}/g)?.join('-') ?? code;

const utcDate = (at: Date): string => at.toISOString().slice(0, 10);
const startOfDay = (date: string): Date => new Date(`${date}T00:00:00.000Z`);

/** Monday 00:00 UTC of the ISO week holding `at`. */
export const isoWeekStart = (at: Date): Date => {
  const day = startOfDay(utcDate(at));
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
};

/** `2026-W10` for the ISO week starting on Monday `monday`. */
export const isoWeekLabel = (monday: Date): string => {
  // The ISO year is the year of the week's Thursday; week 1 is the week holding 4 January.
  const year = new Date(monday.getTime() + 3 * DAY_MS).getUTCFullYear();
  const weekOne = isoWeekStart(new Date(Date.UTC(year, 0, 4)));
  const week = Math.round((monday.getTime() - weekOne.getTime()) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
};

const invalid = (field: string, detail: string) =>
  new TesseraError('validation_failed', `${field}: ${detail}`, { field });

/** Keys of composite positions are `<sort value>|<id>`; neither part ever contains a bar. */
const encodePosition = (position: repo.Position): string =>
  position.value === undefined ? position.id : `${position.value}|${position.id}`;

const decodePosition = (key: string | undefined, composite: boolean): repo.Position | undefined => {
  if (key === undefined) return undefined;
  if (!composite) return { id: key };
  const bar = key.lastIndexOf('|');
  if (bar <= 0) throw invalid('cursor', 'is not one this server issued');
  return { value: key.slice(0, bar), id: key.slice(bar + 1) };
};

const listing = <Raw, Row>(options: {
  composite: boolean;
  fetch: (range: repo.Range) => Promise<Raw[]>;
  position: (row: Raw) => repo.Position;
  present: (row: Raw) => Row;
  count: (max: number) => Promise<number>;
}): Listing<Row> => ({
  page: async (request) => {
    const rows = await options.fetch({
      after: decodePosition(request.after, options.composite),
      limit: request.limit,
    });
    const page = toPage(rows, request, (row) => encodePosition(options.position(row)));
    return { items: page.items.map(options.present), nextCursor: page.nextCursor };
  },
  countUpTo: options.count,
});

const presentLicense = (row: repo.LicenseReportRow): ReportLicense => ({
  licenseId: row.licenseId,
  ticket: row.ticketCode === null ? null : displayTicketCode(row.ticketCode),
  sku: row.sku,
  productName: row.productName,
  firmCode: row.firmCode,
  productCode: row.productCode,
  generation: row.generation,
  state: row.state,
  activatedAt: row.activatedAt,
  expiresAt: row.expiresAt,
  groupId: row.groupId,
  groupName: row.groupName,
  containerSerial: row.containerSerial,
});

const presentContainer = (row: repo.ContainerReportRow): ReportContainer => ({
  serial: row.serial,
  type: row.type,
  status: row.status,
  statusReason: row.statusReason,
  statusSince: row.statusChangedAt,
  groupId: row.groupId,
  groupName: row.groupName,
  lastContactAt: row.lastContactAt,
  licenseCount: row.licenseCount,
});

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const presentHistory = (row: repo.HistoryRow): HistoryEntry => {
  const actorType: ActorType =
    row.actorTokenName !== null ? 'token' : row.actorUserEmail !== null ? 'user' : 'system';
  return {
    eventId: row.eventId,
    at: row.at,
    action: row.action,
    fromState: text(row.data.fromState),
    toState: text(row.data.toState),
    channel: text(row.data.channel),
    generation: typeof row.data.generation === 'number' ? row.data.generation : null,
    serial: text(row.data.serial),
    actor: row.actorTokenName ?? row.actorUserEmail ?? 'system',
    actorType,
  };
};

const writesHoneypot = (operations: string): boolean => {
  try {
    const parsed: unknown = JSON.parse(operations);
    return (
      Array.isArray(parsed) &&
      parsed.some((op) => typeof op === 'object' && op !== null && op.op === 'write_honeypot')
    );
  } catch {
    return false;
  }
};

const presentLock = (row: repo.LockRow): BlacklistLock => ({
  stepId: row.stepId,
  serial: row.serial,
  containerStatus: row.containerStatus,
  groupId: row.groupId,
  groupName: row.groupName,
  firmCode: row.firmCode,
  channel: row.channel,
  honeypot: writesHoneypot(row.operations),
  issuedAt: row.issuedAt,
  status: row.confirmedAt === null ? 'pending' : 'executed',
  executedAt: row.confirmedAt,
});

/** True when an object of the group at `path` is inside what the visibility covers. */
const covers = (visibility: GroupVisibility, path: string | null): boolean =>
  visibility.all || (path !== null && visibility.subtreePaths.some((root) => path.startsWith(root)));

export type ReportsService = ReturnType<typeof createReportsService>;

export const createReportsService = (deps: { clock: Clock }) => {
  /** Reports are for admins; what an admin sees is the subtrees it manages (everything for ISV admins). */
  const scopeOf = (principal: Principal): GroupVisibility => {
    if (!isAnyAdmin(principal)) {
      throw forbidden('Reports are for admins: ISV admins see everything, group admins their own groups.');
    }
    return managedVisibility(principal);
  };

  const licenseListing = (
    ex: Executor,
    visibility: GroupVisibility,
    filter: repo.LicenseFilter,
  ): Listing<ReportLicense> =>
    listing({
      composite: filter.expiring !== undefined,
      fetch: (range) => repo.listLicenses(ex, visibility, filter, range),
      position: (row) =>
        filter.expiring !== undefined
          ? { value: row.expiresAt ?? '', id: row.licenseId }
          : { id: row.licenseId },
      present: presentLicense,
      count: (max) => repo.countLicenses(ex, visibility, filter, max),
    });

  const containerListing = (
    ex: Executor,
    visibility: GroupVisibility,
    filter: repo.ContainerFilter,
  ): Listing<ReportContainer> =>
    listing({
      composite: false,
      fetch: (range) => repo.listContainers(ex, visibility, filter, range),
      position: (row) => ({ id: row.serial }),
      present: presentContainer,
      count: (max) => repo.countContainers(ex, visibility, filter, max),
    });

  return {
    /** Licenses whose current generation is in the container with this serial. */
    containerLicenses: async (ex: Executor, principal: Principal, serial: string) => {
      const visibility = scopeOf(principal);
      const container = await repo.findContainerBySerial(ex, serial);
      if (!container || !covers(visibility, container.groupPath)) {
        throw new TesseraError(
          'container_not_found',
          `No container with serial ${serial} exists or is visible to you.`,
        );
      }
      return licenseListing(ex, visibility, { containerId: container.id });
    },

    /** Licenses in a container whose expiration time falls within the next `days` days, soonest first. */
    expiringLicenses: async (ex: Executor, principal: Principal, days: number) => {
      const visibility = scopeOf(principal);
      const now = deps.clock.now();
      return licenseListing(ex, visibility, {
        expiring: { from: now.toISOString(), to: new Date(now.getTime() + days * DAY_MS).toISOString() },
      });
    },

    /** Containers of a group and of every group below it. */
    customerContainers: async (ex: Executor, principal: Principal, groupId: string) => {
      const visibility = scopeOf(principal);
      const group = await findGroup(ex, groupId);
      if (!group || !(visibility.all || canManageGroup(principal, group))) throw notFound('group', groupId);
      return containerListing(ex, visibility, { subtreePath: group.path });
    },

    ticketLicenses: async (ex: Executor, principal: Principal, code: string) => {
      const visibility = scopeOf(principal);
      const ticket = await repo.findTicketByCode(ex, normalizeTicketCode(code));
      if (!ticket || !covers(visibility, ticket.groupPath)) {
        throw new TesseraError('ticket_not_found', `No ticket ${code} exists or is visible to you.`);
      }
      return licenseListing(ex, visibility, { ticketId: ticket.id });
    },

    /** Every recorded change of a license, oldest first, from the audit log. */
    licenseHistory: async (ex: Executor, principal: Principal, licenseId: string) => {
      const visibility = scopeOf(principal);
      const license = await repo.findLicenseGroup(ex, licenseId);
      if (!license || !covers(visibility, license.groupPath)) {
        throw new TesseraError(
          'license_not_found',
          `No license with id ${licenseId} exists or is visible to you.`,
        );
      }
      return listing({
        composite: true,
        fetch: (range) => repo.listHistory(ex, licenseId, range),
        position: (row) => ({ value: row.at, id: row.eventId }),
        present: presentHistory,
        count: (max) => repo.countHistory(ex, licenseId, max),
      });
    },

    /** Blacklist lock steps issued in [from, to), with whether the container has executed them. */
    blacklistLocks: async (
      ex: Executor,
      principal: Principal,
      query: {
        from?: string | undefined;
        to?: string | undefined;
        status?: 'executed' | 'pending' | undefined;
      },
    ) => {
      const visibility = scopeOf(principal);
      const to = query.to === undefined ? deps.clock.now() : new Date(query.to);
      const from = query.from === undefined ? new Date(to.getTime() - 30 * DAY_MS) : new Date(query.from);
      if (from.getTime() >= to.getTime()) throw invalid('to', 'must be later than from');
      const filter: repo.LockFilter = {
        from: from.toISOString(),
        to: to.toISOString(),
        ...(query.status !== undefined ? { status: query.status } : {}),
      };
      return listing({
        composite: true,
        fetch: (range) => repo.listLocks(ex, visibility, filter, range),
        position: (row) => ({ value: row.issuedAt, id: row.stepId }),
        present: presentLock,
        count: (max) => repo.countLocks(ex, visibility, filter, max),
      });
    },

    manipulatedContainers: async (ex: Executor, principal: Principal) =>
      containerListing(ex, scopeOf(principal), { status: 'manipulation_detected' }),

    /** `license.activated` per UTC day from `from` to `to` (both inclusive; default: the last 30 days). */
    activationsPerDay: async (
      ex: Executor,
      principal: Principal,
      query: { from?: string | undefined; to?: string | undefined },
    ): Promise<{ from: string; to: string; total: number; days: DailyCount[] }> => {
      const visibility = scopeOf(principal);
      const to = query.to ?? utcDate(deps.clock.now());
      const from = query.from ?? utcDate(new Date(startOfDay(to).getTime() - 29 * DAY_MS));
      const span = (startOfDay(to).getTime() - startOfDay(from).getTime()) / DAY_MS + 1;
      if (span < 1) throw invalid('to', 'must not be before from');
      if (span > MAX_SERIES_DAYS) throw invalid('to', `must be at most ${MAX_SERIES_DAYS} days after from`);
      const counts = new Map(
        (
          await repo.activationsPerDay(ex, visibility, {
            from: startOfDay(from).toISOString(),
            to: new Date(startOfDay(to).getTime() + DAY_MS).toISOString(),
          })
        ).map((row) => [row.day, row.count]),
      );
      const days: DailyCount[] = [];
      for (let i = 0; i < span; i++) {
        const date = utcDate(new Date(startOfDay(from).getTime() + i * DAY_MS));
        days.push({ date, count: counts.get(date) ?? 0 });
      }
      return { from, to, total: days.reduce((sum, day) => sum + day.count, 0), days };
    },

    /** Licenses in a container expiring per ISO week, from now to the end of the `weeks`-th week. */
    expiringPerWeek: async (
      ex: Executor,
      principal: Principal,
      weeks: number,
    ): Promise<{ from: string; to: string; total: number; weeks: WeeklyCount[] }> => {
      const visibility = scopeOf(principal);
      const now = deps.clock.now();
      const first = isoWeekStart(now);
      const end = new Date(first.getTime() + weeks * 7 * DAY_MS);
      const series: WeeklyCount[] = Array.from({ length: weeks }, (_, i) => {
        const monday = new Date(first.getTime() + i * 7 * DAY_MS);
        return { week: isoWeekLabel(monday), start: utcDate(monday), count: 0 };
      });
      const perDay = await repo.expiringPerDay(ex, visibility, {
        from: now.toISOString(),
        to: end.toISOString(),
      });
      for (const { day, count } of perDay) {
        const week = series[Math.floor((startOfDay(day).getTime() - first.getTime()) / (7 * DAY_MS))];
        if (week) week.count += count;
      }
      return {
        from: now.toISOString(),
        to: end.toISOString(),
        total: series.reduce((sum, week) => sum + week.count, 0),
        weeks: series,
      };
    },
  };
};
