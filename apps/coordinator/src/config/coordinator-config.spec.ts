import { ConfigError } from '@app/config';
import { readCoordinatorConfig } from './coordinator-config';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/tcc' };

describe('readCoordinatorConfig', () => {
  it('applies the documented defaults', () => {
    const config = readCoordinatorConfig(base);
    expect(config).toMatchObject({
      port: 3000,
      callTimeoutMs: 5000,
      recoveryIntervalMs: 1000,
      retry: {
        baseMs: 500,
        maxMs: 60_000,
        leaseMs: 20_000,
        stuckAfterAttempts: 10,
        claimBatch: 50,
      },
      defaultTimeoutMs: 30_000,
      maxTimeoutMs: 600_000,
      alertWebhookUrl: null,
      retentionDays: 30,
      idempotencyRetentionDays: 365,
    });
    expect(config.secrets.defaulted).toEqual([
      'TCC_API_KEY',
      'TCC_ADMIN_TOKEN',
      'TCC_SIGNING_SECRET',
    ]);
  });

  it.each([
    [{}, 'DATABASE_URL'],
    [{ ...base, PORT: 'x' }, 'PORT'],
    [{ ...base, TCC_CALL_TIMEOUT_MS: '0' }, 'TCC_CALL_TIMEOUT_MS'],
    [{ ...base, TCC_RETRY_BASE_MS: '1000', TCC_RETRY_MAX_MS: '10' }, 'TCC_RETRY_MAX_MS'],
    [
      { ...base, TCC_MAX_TIMEOUT_MS: '1000', TCC_DEFAULT_TIMEOUT_MS: '2000' },
      'TCC_DEFAULT_TIMEOUT_MS',
    ],
    [{ ...base, TCC_ALERT_WEBHOOK_URL: 'http://user:pw@hooks' }, 'TCC_ALERT_WEBHOOK_URL'],
    [{ ...base, NODE_ENV: 'production' }, 'TCC_API_KEY'],
    [
      { ...base, TCC_RETENTION_DAYS: '90', TCC_IDEMPOTENCY_RETENTION_DAYS: '60' },
      'TCC_IDEMPOTENCY_RETENTION_DAYS',
    ],
  ])('refuses %p naming %s', (env, variable) => {
    expect(() => readCoordinatorConfig(env)).toThrow(ConfigError);
    expect(() => readCoordinatorConfig(env)).toThrow(variable);
  });

  it('lowers the default timeout to a smaller maximum', () => {
    expect(readCoordinatorConfig({ ...base, TCC_MAX_TIMEOUT_MS: '1000' }).defaultTimeoutMs).toBe(
      1000,
    );
  });

  it('keeps idempotency keys at least as long as the transactions', () => {
    expect(
      readCoordinatorConfig({ ...base, TCC_RETENTION_DAYS: '400' }).idempotencyRetentionDays,
    ).toBe(400);
    expect(
      readCoordinatorConfig({
        ...base,
        TCC_RETENTION_DAYS: '7',
        TCC_IDEMPOTENCY_RETENTION_DAYS: '7',
      }).idempotencyRetentionDays,
    ).toBe(7);
  });

  it('gives each process its own lease owner name', () => {
    expect(readCoordinatorConfig(base).instanceId).not.toBe(readCoordinatorConfig(base).instanceId);
  });
});
