import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  Env,
  LogLevel,
  boolVar,
  intVar,
  listenHostVar,
  logLevelVar,
  postgresUrlVar,
  rateLimitVar,
  readSecrets,
  urlVar,
  Secrets,
} from '@app/config';
import { MIN_TIMEOUT_MS } from '@app/protocol';
import { RetryPolicy, retryPolicy } from '../domain/retry-policy';

/** Everything the coordinator reads from its environment, validated once at start. */
export interface CoordinatorConfig {
  port: number;
  /** The address it listens on (HOST). */
  host: string;
  databaseUrl: string;
  secrets: Secrets;
  callTimeoutMs: number;
  /** Concurrent calls to a participant that declared it go out together in one request (TCC_BATCH_CALLS). */
  batchCalls: boolean;
  /** The log writes of concurrent requests share transactions and commits (TCC_GROUP_COMMIT). */
  groupCommit: boolean;
  recoveryIntervalMs: number;
  /** Leases, phase-2 backoff, the stuck threshold and the claim batch. */
  retry: RetryPolicy;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  alertWebhookUrl: string | null;
  retentionDays: number;
  /** How long a purged transaction's Idempotency-Key stays refused (TCC_IDEMPOTENCY_RETENTION_DAYS). */
  idempotencyRetentionDays: number;
  logLevel: LogLevel;
  /** Requests a minute per client (TCC_RATE_LIMIT_PER_MINUTE); 0: no limit. */
  rateLimitPerMinute: number;
  /** Names this process in `lease_owner`, so leases of a dead process can be told apart. */
  instanceId: string;
}

/** Injection token of the {@link CoordinatorConfig}. */
export const COORDINATOR_CONFIG = Symbol('COORDINATOR_CONFIG');

const DAY_MS = 24 * 60 * 60 * 1000;

/** Builds the configuration from `env`; throws a `ConfigError` naming the first invalid variable. */
export function readCoordinatorConfig(env: Env): CoordinatorConfig {
  const maxTimeoutMs = intVar(env, 'TCC_MAX_TIMEOUT_MS', 600_000, MIN_TIMEOUT_MS, DAY_MS);
  const retryBaseMs = intVar(env, 'TCC_RETRY_BASE_MS', 500, 1, DAY_MS);
  const webhook = env.TCC_ALERT_WEBHOOK_URL?.trim();
  const callTimeoutMs = intVar(env, 'TCC_CALL_TIMEOUT_MS', 5000, 10, 10 * 60_000);
  const retentionDays = intVar(env, 'TCC_RETENTION_DAYS', 30, 1, 36_500);
  return {
    port: intVar(env, 'PORT', 3000, 0, 65535),
    host: listenHostVar(env),
    databaseUrl: postgresUrlVar(env, 'DATABASE_URL'),
    secrets: readSecrets(env, { participantSecrets: true }),
    callTimeoutMs,
    batchCalls: boolVar(env, 'TCC_BATCH_CALLS', true),
    groupCommit: boolVar(env, 'TCC_GROUP_COMMIT', true),
    recoveryIntervalMs: intVar(env, 'TCC_RECOVERY_INTERVAL_MS', 1000, 10, DAY_MS),
    retry: retryPolicy({
      callTimeoutMs,
      retryBaseMs,
      // The cap may not undercut the first delay, or the backoff would shrink.
      retryMaxMs: intVar(env, 'TCC_RETRY_MAX_MS', 60_000, retryBaseMs, DAY_MS),
      stuckAfterAttempts: intVar(env, 'TCC_STUCK_AFTER_ATTEMPTS', 10, 1, 1_000_000),
    }),
    // A smaller maximum also lowers the default, so setting only the maximum stays valid.
    defaultTimeoutMs: intVar(
      env,
      'TCC_DEFAULT_TIMEOUT_MS',
      Math.min(30_000, maxTimeoutMs),
      MIN_TIMEOUT_MS,
      maxTimeoutMs,
    ),
    maxTimeoutMs,
    alertWebhookUrl: webhook ? urlVar(env, 'TCC_ALERT_WEBHOOK_URL') : null,
    retentionDays,
    // A key forgotten before its transaction would be free while the transaction still holds it;
    // a longer retention raises the default with it, so setting only TCC_RETENTION_DAYS stays valid.
    idempotencyRetentionDays: intVar(
      env,
      'TCC_IDEMPOTENCY_RETENTION_DAYS',
      Math.max(365, retentionDays),
      retentionDays,
      36_500,
    ),
    logLevel: logLevelVar(env),
    rateLimitPerMinute: rateLimitVar(env),
    instanceId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  };
}
