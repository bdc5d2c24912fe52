export * from './attributes';
export * from './settings';
export * from './spans';
export * from './start';
export * from './tracing-shutdown.module';
