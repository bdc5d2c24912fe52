import { ConfigError } from '@app/config';
import { readAccountConfig } from './account-config';
import { parseShardUrls } from './shard-urls';

const A = 'postgres://u:p@127.0.0.1:5432/account_a';
const B = 'postgresql://127.0.0.1:5433/account_b?sslmode=disable';

describe('ACCOUNT_SHARD_URLS', () => {
  it('reads named entries and names bare URLs shard-<position>', () => {
    expect(parseShardUrls(`eu-1=${A}, eu_2=${B}`)).toEqual([
      { name: 'eu-1', url: A },
      { name: 'eu_2', url: B },
    ]);
    // A bare URL keeps the '=' of its query string.
    expect(parseShardUrls(`${A},${B}`)).toEqual([
      { name: 'shard-0', url: A },
      { name: 'shard-1', url: B },
    ]);
  });

  it.each([
    [undefined, /ACCOUNT_SHARD_URLS is required/],
    ['  ', /ACCOUNT_SHARD_URLS is required/],
    [`${A},`, /ACCOUNT_SHARD_URLS \(entry 2\) is empty/],
    ['eu-1', /ACCOUNT_SHARD_URLS \(entry 1\) must be name=postgres/],
    [`EU=${A}`, /ACCOUNT_SHARD_URLS \(entry 1\) has an invalid shard name "EU"/],
    [`-eu=${A}`, /invalid shard name/],
    [`${'a'.repeat(64)}=${A}`, /invalid shard name/],
    [`=${A}`, /invalid shard name ""/],
    ['eu=http://127.0.0.1/db', /ACCOUNT_SHARD_URLS \(entry 1\) "eu" must be a postgres:\/\/ URL/],
    ['eu=postgres://127.0.0.1', /must name a database/],
    [`eu=${A},eu=${B}`, /ACCOUNT_SHARD_URLS names shard "eu" twice/],
    [`shard-1=${A},${B}`, /names shard "shard-1" twice/],
    [`a=${A},b=postgres://x:y@127.0.0.1/account_a`, /gives shards "a" and "b" the same database/],
  ])('refuses %p with one line naming the variable', (raw, message) => {
    let error: unknown;
    try {
      parseShardUrls(raw);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('never echoes a URL, which may carry a password', () => {
    expect(() => parseShardUrls('eu=mysql://user:secret@host/db')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') }),
    );
  });
});

describe('readAccountConfig', () => {
  it('applies the documented defaults', () => {
    const config = readAccountConfig({ ACCOUNT_SHARD_URLS: A });
    expect(config).toMatchObject({
      port: 3002,
      shards: [{ name: 'shard-0', url: A }],
      coordinatorUrl: 'http://127.0.0.1:3000',
      publicUrl: 'http://127.0.0.1:3002',
      retentionDays: 30,
    });
    expect(config.secrets.signingSecrets).toEqual(['dev-signing-secret']);
  });

  it('derives PUBLIC_URL from PORT and reads every variable', () => {
    const config = readAccountConfig({
      PORT: '4002',
      ACCOUNT_SHARD_URLS: `a=${A}`,
      COORDINATOR_URL: 'http://coordinator:3000/',
      TCC_RETENTION_DAYS: '7',
      TCC_SIGNING_SECRET: 'current-secret',
      TCC_SIGNING_SECRET_PREVIOUS: 'previous-secret',
    });
    expect(config.publicUrl).toBe('http://127.0.0.1:4002');
    expect(config.coordinatorUrl).toBe('http://coordinator:3000');
    expect(config.retentionDays).toBe(7);
    expect(config.secrets.signingSecrets).toEqual(['current-secret', 'previous-secret']);
    expect(
      readAccountConfig({ ACCOUNT_SHARD_URLS: A, PUBLIC_URL: 'https://acct.example' }).publicUrl,
    ).toBe('https://acct.example');
  });

  it.each([
    [{}, /ACCOUNT_SHARD_URLS/],
    [{ ACCOUNT_SHARD_URLS: A, PORT: 'x' }, /PORT/],
    [{ ACCOUNT_SHARD_URLS: A, PUBLIC_URL: 'ftp://x' }, /PUBLIC_URL/],
    [{ ACCOUNT_SHARD_URLS: A, COORDINATOR_URL: 'http://u:p@x' }, /COORDINATOR_URL/],
    [{ ACCOUNT_SHARD_URLS: A, TCC_RETENTION_DAYS: '0' }, /TCC_RETENTION_DAYS/],
    [{ ACCOUNT_SHARD_URLS: A, NODE_ENV: 'production' }, /TCC_API_KEY/],
  ])('names the invalid variable: %p', (env, message) => {
    expect(() => readAccountConfig(env)).toThrow(message);
  });
});
