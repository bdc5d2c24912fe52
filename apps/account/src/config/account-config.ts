import { Env, ParticipantBaseConfig, readParticipantBaseConfig } from '@app/config';
import { ShardConfig, parseShardUrls } from './shard-urls';

/** Everything the account participant reads from its environment, validated once at start. */
export interface AccountConfig extends ParticipantBaseConfig {
  shards: ShardConfig[];
}

/** Builds the configuration from `env`; throws a `ConfigError` naming the first invalid variable. */
export function readAccountConfig(env: Env): AccountConfig {
  return {
    ...readParticipantBaseConfig(env, 3002),
    shards: parseShardUrls(env.ACCOUNT_SHARD_URLS),
  };
}
