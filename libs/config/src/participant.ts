import {
  ConfigError,
  Env,
  LogLevel,
  intVar,
  listenHostVar,
  logLevelVar,
  rateLimitVar,
  urlVar,
} from './env';
import { Secrets, readSecrets } from './secrets';

/** The variables every participant reads (docs/operations.md), whatever its business. */
export interface ParticipantBaseConfig {
  port: number;
  /** The address it listens on (HOST). */
  host: string;
  coordinatorUrl: string;
  /** The base URL the coordinator calls back; defaults to this process on 127.0.0.1. */
  publicUrl: string;
  secrets: Secrets;
  /** `TCC_API_KEY`, presented when registering with the coordinator. */
  apiKey: string;
  /** Barrier rows of settled branches older than this are purged (TCC_RETENTION_DAYS). */
  retentionDays: number;
  logLevel: LogLevel;
  /** Requests a minute per client on the business endpoints (TCC_RATE_LIMIT_PER_MINUTE); 0: no limit. */
  rateLimitPerMinute: number;
}

/** Reads the participant variables; throws a `ConfigError` naming the first invalid one. */
export function readParticipantBaseConfig(env: Env, defaultPort: number): ParticipantBaseConfig {
  const port = intVar(env, 'PORT', defaultPort, 0, 65535);
  const secrets = readSecrets(env);
  if (secrets.apiKey === undefined) {
    throw new ConfigError(
      'TCC_API_KEY',
      'is required: the participant presents it when registering',
    );
  }
  return {
    port,
    host: listenHostVar(env),
    coordinatorUrl: urlVar(env, 'COORDINATOR_URL', 'http://127.0.0.1:3000'),
    publicUrl: urlVar(env, 'PUBLIC_URL', `http://127.0.0.1:${port}`),
    secrets,
    apiKey: secrets.apiKey,
    retentionDays: intVar(env, 'TCC_RETENTION_DAYS', 30, 1, 36_500),
    logLevel: logLevelVar(env),
    rateLimitPerMinute: rateLimitVar(env),
  };
}
