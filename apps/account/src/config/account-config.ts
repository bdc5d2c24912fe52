import { Env, ParticipantBaseConfig, intVar, readParticipantBaseConfig } from '@app/config';
import { ShardConfig, parseShardUrls } from './shard-urls';

/** Everything the account participant reads from its environment, validated once at start. */
export interface AccountConfig extends ParticipantBaseConfig {
  shards: ShardConfig[];
  /** ACCOUNT_MOVE_BATCH_SIZE: accounts a rebalance moves in one step (one lock set, one copy). */
  moveBatchSize: number;
}

/** Builds the configuration from `env`; throws a `ConfigError` naming the first invalid variable. */
export function readAccountConfig(env: Env): AccountConfig {
  return {
    ...readParticipantBaseConfig(env, 3002),
    shards: parseShardUrls(env.ACCOUNT_SHARD_URLS),
    moveBatchSize: intVar(env, 'ACCOUNT_MOVE_BATCH_SIZE', 100, 1, 10_000),
  };
}
