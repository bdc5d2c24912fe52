import {
  Env,
  LogLevel,
  Secrets,
  intVar,
  logLevelVar,
  rateLimitVar,
  readSecrets,
  urlVar,
} from '@app/config';
import { ShardConfig, parseShardUrls } from './shard-urls';

/** Everything the account participant reads from its environment, validated once at start. */
export interface AccountConfig {
  port: number;
  shards: ShardConfig[];
  coordinatorUrl: string;
  publicUrl: string;
  secrets: Secrets;
  retentionDays: number;
  logLevel: LogLevel;
  /** Requests a minute per client on the account endpoints (TCC_RATE_LIMIT_PER_MINUTE); 0: no limit. */
  rateLimitPerMinute: number;
}

/** Builds the configuration from `env`; throws a `ConfigError` naming the first invalid variable. */
export function readAccountConfig(env: Env): AccountConfig {
  const port = intVar(env, 'PORT', 3002, 0, 65535);
  return {
    port,
    shards: parseShardUrls(env.ACCOUNT_SHARD_URLS),
    coordinatorUrl: urlVar(env, 'COORDINATOR_URL', 'http://127.0.0.1:3000'),
    publicUrl: urlVar(env, 'PUBLIC_URL', `http://127.0.0.1:${port}`),
    secrets: readSecrets(env),
    retentionDays: intVar(env, 'TCC_RETENTION_DAYS', 30, 1, 36_500),
    logLevel: logLevelVar(env),
    rateLimitPerMinute: rateLimitVar(env),
  };
}
