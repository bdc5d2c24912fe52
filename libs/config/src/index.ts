export * from './env';
export * from './secrets';
export * from './participant';
