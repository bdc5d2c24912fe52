import { ConfigError } from '@app/config';
import { readInventoryConfig } from './inventory-config';

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/inventory';

describe('readInventoryConfig', () => {
  it('applies the contract defaults', () => {
    expect(readInventoryConfig({ DATABASE_URL })).toEqual({
      port: 3001,
      host: '127.0.0.1',
      databaseUrl: DATABASE_URL,
      coordinatorUrl: 'http://127.0.0.1:3000',
      publicUrl: 'http://127.0.0.1:3001',
      secrets: expect.objectContaining({ signingSecrets: ['dev-signing-secret'] }),
      apiKey: 'dev-api-key',
      retentionDays: 30,
      logLevel: 'info',
      rateLimitPerMinute: 0,
      hotSkuBatching: true,
    });
  });

  it('derives PUBLIC_URL from PORT and reads the rest as given', () => {
    const config = readInventoryConfig({
      DATABASE_URL,
      PORT: '4001',
      COORDINATOR_URL: 'https://coordinator.internal/',
      TCC_SIGNING_SECRET: 'current-secret',
      TCC_SIGNING_SECRET_PREVIOUS: 'previous-secret',
      TCC_RETENTION_DAYS: '7',
      TCC_HOT_SKU_BATCHING: 'false',
    });
    expect(config).toMatchObject({
      port: 4001,
      publicUrl: 'http://127.0.0.1:4001',
      coordinatorUrl: 'https://coordinator.internal',
      retentionDays: 7,
      hotSkuBatching: false,
      secrets: { signingSecrets: ['current-secret', 'previous-secret'] },
    });
  });

  it.each([
    [{}, /DATABASE_URL is required/],
    [{ DATABASE_URL: 'mysql://x/y' }, /DATABASE_URL must be a postgres/],
    [{ DATABASE_URL, PORT: 'eighty' }, /PORT must be an integer/],
    [{ DATABASE_URL, PUBLIC_URL: 'ftp://x' }, /PUBLIC_URL must be an http\(s\) URL/],
    [{ DATABASE_URL, TCC_RETENTION_DAYS: '0' }, /TCC_RETENTION_DAYS must be between/],
    [{ DATABASE_URL, TCC_HOT_SKU_BATCHING: 'yes' }, /TCC_HOT_SKU_BATCHING must be true or false/],
    [{ DATABASE_URL, NODE_ENV: 'production' }, /TCC_API_KEY must be set/],
  ])('refuses %p with one line naming the variable', (env, message) => {
    expect(() => readInventoryConfig(env)).toThrow(ConfigError);
    expect(() => readInventoryConfig(env)).toThrow(message);
  });
});
