import {
  Env,
  LogLevel,
  Secrets,
  boolVar,
  intVar,
  logLevelVar,
  postgresUrlVar,
  rateLimitVar,
  readSecrets,
  urlVar,
} from '@app/config';

/** Everything the inventory participant reads from its environment, validated once at start. */
export interface InventoryConfig {
  port: number;
  databaseUrl: string;
  coordinatorUrl: string;
  publicUrl: string;
  secrets: Secrets;
  retentionDays: number;
  logLevel: LogLevel;
  /** Requests a minute per client on the stock and order endpoints (TCC_RATE_LIMIT_PER_MINUTE); 0: no limit. */
  rateLimitPerMinute: number;
  /** Reservations of one SKU are queued and applied in batches (TCC_HOT_SKU_BATCHING). */
  hotSkuBatching: boolean;
}

/** Builds the configuration from `env`; throws a `ConfigError` naming the first invalid variable. */
export function readInventoryConfig(env: Env): InventoryConfig {
  const port = intVar(env, 'PORT', 3001, 0, 65535);
  return {
    port,
    databaseUrl: postgresUrlVar(env, 'DATABASE_URL'),
    coordinatorUrl: urlVar(env, 'COORDINATOR_URL', 'http://127.0.0.1:3000'),
    publicUrl: urlVar(env, 'PUBLIC_URL', `http://127.0.0.1:${port}`),
    secrets: readSecrets(env),
    retentionDays: intVar(env, 'TCC_RETENTION_DAYS', 30, 1, 36_500),
    logLevel: logLevelVar(env),
    rateLimitPerMinute: rateLimitVar(env),
    hotSkuBatching: boolVar(env, 'TCC_HOT_SKU_BATCHING', true),
  };
}
