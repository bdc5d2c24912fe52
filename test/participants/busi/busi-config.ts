import { Env, Secrets, intVar, postgresUrlVar, readSecrets, urlVar } from '@app/config';

/** Everything the test participant reads from its environment, validated once at start. */
export interface BusiConfig {
  port: number;
  databaseUrl: string;
  coordinatorUrl: string;
  publicUrl: string;
  secrets: Secrets;
}

/** Builds the configuration from `env`; throws a `ConfigError` naming the first invalid variable. */
export function readBusiConfig(env: Env): BusiConfig {
  const port = intVar(env, 'PORT', 3003, 0, 65535);
  return {
    port,
    databaseUrl: postgresUrlVar(env, 'DATABASE_URL'),
    coordinatorUrl: urlVar(env, 'COORDINATOR_URL', 'http://127.0.0.1:3000'),
    publicUrl: urlVar(env, 'PUBLIC_URL', `http://127.0.0.1:${port}`),
    secrets: readSecrets(env),
  };
}
