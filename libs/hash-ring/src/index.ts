export * from './hash-ring';
