// The runtime's container store: serials, the on-disk container format, atomic writes and the store lock.
export * from './atomic-file.js';
export * from './container-file.js';
export * from './container-store.js';
export * from './home.js';
export * from './keys.js';
export * from './lock.js';
export * from './serial.js';
