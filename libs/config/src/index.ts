export * from './env';
export * from './participant';
