import {
  Env,
  ParticipantBaseConfig,
  boolVar,
  postgresUrlVar,
  readParticipantBaseConfig,
} from '@app/config';

/** Everything the inventory participant reads from its environment, validated once at start. */
export interface InventoryConfig extends ParticipantBaseConfig {
  databaseUrl: string;
  /** Reservations of one SKU are queued and applied in batches (TCC_HOT_SKU_BATCHING). */
  hotSkuBatching: boolean;
}

/** Builds the configuration from `env`; throws a `ConfigError` naming the first invalid variable. */
export function readInventoryConfig(env: Env): InventoryConfig {
  return {
    ...readParticipantBaseConfig(env, 3001),
    databaseUrl: postgresUrlVar(env, 'DATABASE_URL'),
    hotSkuBatching: boolVar(env, 'TCC_HOT_SKU_BATCHING', true),
  };
}
