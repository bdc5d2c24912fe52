export * from './statuses';
export * from './headers';
export * from './signing';
export * from './errors';
export * from './wire';
export * from './wire-schema';
