export * from './problem.filter';
export * from './validation';
export * from './bootstrap';
export * from './auth';
export * from './logging';
export * from './json-depth';
export * from './client-errors';
export * from './rate-limit';
