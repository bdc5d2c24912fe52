export * from './postgres';
export * from './prepared';
export * from './transaction';
export * from './group-commit';
export * from './reachability';
