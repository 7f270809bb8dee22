// Dates, numbers and codes as the user reads them: instants in the browser's locale and time zone
// (Intl.DateTimeFormat), ticket codes grouped by five.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateOnlyUtc = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const number = new Intl.NumberFormat();

export const formatDateTime = (iso: string | null | undefined): string =>
  iso ? dateTime.format(new Date(iso)) : '—';

export const formatDate = (iso: string | null | undefined): string =>
  iso ? dateOnly.format(new Date(iso)) : '—';

/** A UTC calendar day (YYYY-MM-DD) shown in the user's locale, without shifting it by the time zone. */
export const formatUtcDay = (day: string): string => dateOnlyUtc.format(new Date(`${day}T00:00:00Z`));

export const formatNumber = (value: number): string => number.format(value);

/** ABCDEFGHJK… → ABCDE-FGHJK-…; already grouped codes stay as they are. */
export const formatTicketCode = (code: string): string => {
  const bare = code.replace(/[\s-]/g, '').toUpperCase();
  return bare.match(/.{1,5}/g)?.join('-') ?? bare;
};

export const hex32 = (value: number): string =>
  `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;

/** Seconds → "3 days", "12 hours", "45 minutes" (the largest whole unit). */
export const formatDuration = (seconds: number): string => {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${number.format(n)} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${number.format(seconds)} seconds`;
};
