import { startTracing } from '@app/tracing';

// A module of its own, imported first by main.ts: the pg instrumentation patches pg only if it loads before pg does.
startTracing('coordinator');
