export * from './attributes';
export * from './continue-trace.interceptor';
export * from './settings';
export * from './spans';
export * from './start';
export * from './tracing-shutdown.module';
