// Exit codes scripts can rely on (documented in docs/cli.md). Error codes map here once; every command
// shares the mapping.

export const EXIT = {
  ok: 0,
  usage: 1,
  refused: 2,
  notFound: 3,
  unavailable: 4,
  server: 5,
  internal: 70,
} as const;

const NOT_FOUND = new Set([
  'container_not_found',
  'license_not_found',
  'file_not_found',
  'ticket_not_found',
  'not_found',
]);
const UNAVAILABLE = new Set([
  'binding_mismatch',
  'binding_unavailable',
  'container_corrupt',
  'invalid_container_state',
  'machine_factors_invalid',
  'store_busy',
  'store_lock_lost',
]);
const SERVER = new Set(['server_unreachable', 'server_error', 'rate_limited']);

export const exitCodeFor = (code: string): number => {
  if (code === 'usage_error') return EXIT.usage;
  if (NOT_FOUND.has(code)) return EXIT.notFound;
  if (UNAVAILABLE.has(code)) return EXIT.unavailable;
  if (SERVER.has(code)) return EXIT.server;
  return EXIT.refused;
};
