// Machine binding: reading the machine factors and sealing a container's data key to them.
export * from './environment.js';
export * from './factors.js';
export * from './providers.js';
export * from './seal.js';
