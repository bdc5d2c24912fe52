export * from './postgres';
export * from './prepared';
