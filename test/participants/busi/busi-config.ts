import { Env, ParticipantBaseConfig, postgresUrlVar, readParticipantBaseConfig } from '@app/config';

/** Everything the test participant reads from its environment, validated once at start. */
export interface BusiConfig extends ParticipantBaseConfig {
  databaseUrl: string;
}

/** Builds the configuration from `env`; throws a `ConfigError` naming the first invalid variable. */
export function readBusiConfig(env: Env): BusiConfig {
  return {
    ...readParticipantBaseConfig(env, 3003),
    databaseUrl: postgresUrlVar(env, 'DATABASE_URL'),
  };
}
