import { ConfigError, Env } from './env';
import { readSecrets } from './secrets';

const production = {
  NODE_ENV: 'production',
  TCC_API_KEY: 'a-long-api-key',
  TCC_ADMIN_TOKEN: 'a-long-admin-token',
  TCC_SIGNING_SECRET: 'a-long-secret',
};

/** The one line a refused environment gets. */
function refusal(env: Env, options = {}): string {
  try {
    readSecrets(env, options);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('readSecrets', () => {
  it('uses development secrets outside production and refuses them in production', () => {
    const dev = readSecrets({});
    expect(dev.defaulted).toEqual(['TCC_API_KEY', 'TCC_ADMIN_TOKEN', 'TCC_SIGNING_SECRET']);
    expect(dev.apiKeys).toEqual([{ caller: 'default', key: 'dev-api-key' }]);
    expect(refusal({ NODE_ENV: 'production' })).toMatch(/TCC_API_KEY/);
    expect(refusal({ ...production, TCC_ADMIN_TOKEN: 'dev-admin-token' })).toMatch(
      /TCC_ADMIN_TOKEN/,
    );
  });

  it('accepts the previous signing secret during a rotation', () => {
    const secrets = readSecrets({
      TCC_SIGNING_SECRET: 'new-secret-1',
      TCC_SIGNING_SECRET_PREVIOUS: 'old-secret-1',
    });
    expect(secrets.signingSecrets).toEqual(['new-secret-1', 'old-secret-1']);
  });

  it('refuses a previous signing secret that is the development default in production, short, or the API key', () => {
    expect(
      readSecrets({ ...production, TCC_SIGNING_SECRET_PREVIOUS: 'an-old-secret' }).signingSecrets,
    ).toEqual(['a-long-secret', 'an-old-secret']);
    for (const previous of ['dev-signing-secret', 'short', 'a-long-api-key']) {
      expect(refusal({ ...production, TCC_SIGNING_SECRET_PREVIOUS: previous })).toMatch(
        /^Invalid configuration: TCC_SIGNING_SECRET_PREVIOUS /,
      );
    }
    expect(refusal({ ...production, TCC_SIGNING_SECRET: 'a-long-api-key' })).toMatch(
      /TCC_SIGNING_SECRET must differ from TCC_API_KEY/,
    );
  });

  it('names each client key: TCC_API_KEY is "default", TCC_API_KEYS entries go by their names', () => {
    const secrets = readSecrets({
      ...production,
      TCC_API_KEYS: ' checkout:checkout-key-1 , billing:bill:ing:key ',
    });
    expect(secrets.apiKeys).toEqual([
      { caller: 'default', key: 'a-long-api-key' },
      { caller: 'checkout', key: 'checkout-key-1' },
      { caller: 'billing', key: 'bill:ing:key' },
    ]);
    expect(secrets.apiKey).toBe('a-long-api-key');
  });

  it('lets production drop TCC_API_KEY once every client has a named key', () => {
    const rest = { ...production, TCC_API_KEY: '' };
    const secrets = readSecrets({ ...rest, TCC_API_KEYS: 'checkout:checkout-key-1' });
    expect(secrets.apiKeys).toEqual([{ caller: 'checkout', key: 'checkout-key-1' }]);
    expect(secrets.apiKey).toBeUndefined();
    expect(refusal(rest)).toMatch(/^Invalid configuration: TCC_API_KEY .*TCC_API_KEYS/);
  });

  it('accepts a previous value for the API key, each named key and the admin token during a rotation', () => {
    const secrets = readSecrets({
      ...production,
      TCC_API_KEY_PREVIOUS: 'an-old-api-key',
      TCC_API_KEYS: 'checkout:checkout-key-2,billing:billing-key-1',
      TCC_API_KEYS_PREVIOUS: 'checkout:checkout-key-1',
      TCC_ADMIN_TOKEN_PREVIOUS: 'an-old-admin-token',
    });
    expect(secrets.apiKeys).toEqual([
      { caller: 'default', key: 'a-long-api-key' },
      { caller: 'default', key: 'an-old-api-key' },
      { caller: 'checkout', key: 'checkout-key-2' },
      { caller: 'checkout', key: 'checkout-key-1' },
      { caller: 'billing', key: 'billing-key-1' },
    ]);
    expect(secrets.adminTokens).toEqual(['a-long-admin-token', 'an-old-admin-token']);
  });

  it.each([
    ['an entry without a colon', { TCC_API_KEYS: 'checkout-key-1' }, 'TCC_API_KEYS entry 1'],
    ['an empty secret', { TCC_API_KEYS: 'checkout:' }, 'TCC_API_KEYS entry 1'],
    ['an empty entry', { TCC_API_KEYS: 'checkout:checkout-key-1,' }, 'TCC_API_KEYS entry 2'],
    ['a name in capitals', { TCC_API_KEYS: 'Checkout:checkout-key-1' }, 'TCC_API_KEYS entry 1'],
    ['the name default', { TCC_API_KEYS: 'default:other-key-1' }, 'TCC_API_KEYS entry 1'],
    ['the name admin', { TCC_API_KEYS: 'admin:other-key-1' }, 'TCC_API_KEYS entry 1'],
    [
      'a name twice',
      { TCC_API_KEYS: 'checkout:checkout-key-1,checkout:checkout-key-2' },
      'TCC_API_KEYS entry 2',
    ],
    ['a short key', { TCC_API_KEYS: 'checkout:short' }, 'TCC_API_KEYS entry 1'],
    ['a development default', { TCC_API_KEYS: 'checkout:dev-api-key' }, 'TCC_API_KEYS entry 1'],
    [
      'two callers sharing a key',
      { TCC_API_KEYS: 'checkout:shared-key-1,billing:shared-key-1' },
      'TCC_API_KEYS entry 2 must differ from TCC_API_KEYS entry 1',
    ],
    [
      'a key equal to the admin token',
      { TCC_API_KEYS: 'checkout:a-long-admin-token' },
      'TCC_ADMIN_TOKEN must differ from TCC_API_KEYS entry 1',
    ],
    [
      'a key equal to the signing secret',
      { TCC_API_KEYS: 'checkout:a-long-secret' },
      'TCC_SIGNING_SECRET must differ from TCC_API_KEYS entry 1',
    ],
    [
      'a previous value for a name that is gone',
      { TCC_API_KEYS: 'checkout:checkout-key-2', TCC_API_KEYS_PREVIOUS: 'billing:billing-key-1' },
      'TCC_API_KEYS_PREVIOUS entry 1 names no entry of TCC_API_KEYS',
    ],
    [
      'a previous value equal to the current one',
      { TCC_API_KEYS: 'checkout:checkout-key-2', TCC_API_KEYS_PREVIOUS: 'checkout:checkout-key-2' },
      'TCC_API_KEYS_PREVIOUS entry 1 must differ from TCC_API_KEYS entry 1',
    ],
    [
      'two previous values for one name',
      {
        TCC_API_KEYS: 'checkout:checkout-key-2',
        TCC_API_KEYS_PREVIOUS: 'checkout:checkout-key-1,checkout:checkout-key-0',
      },
      'TCC_API_KEYS_PREVIOUS entry 2',
    ],
    [
      'a previous API key equal to the admin token',
      { TCC_API_KEY_PREVIOUS: 'a-long-admin-token' },
      'TCC_ADMIN_TOKEN must differ from TCC_API_KEY_PREVIOUS',
    ],
    [
      'a previous admin token that is the development default',
      { TCC_ADMIN_TOKEN_PREVIOUS: 'dev-admin-token' },
      'TCC_ADMIN_TOKEN_PREVIOUS',
    ],
    [
      'a previous admin token equal to the API key',
      { TCC_ADMIN_TOKEN_PREVIOUS: 'a-long-api-key' },
      'TCC_ADMIN_TOKEN_PREVIOUS must differ from TCC_API_KEY',
    ],
  ])('refuses %s, naming where', (_why, env, where) => {
    expect(refusal({ ...production, ...env })).toContain(`Invalid configuration: ${where}`);
  });

  it('refuses a previous value without its current variable', () => {
    expect(refusal({ TCC_API_KEY_PREVIOUS: 'an-old-api-key' })).toContain(
      'TCC_API_KEY_PREVIOUS needs TCC_API_KEY set too',
    );
    expect(refusal({ TCC_ADMIN_TOKEN_PREVIOUS: 'an-old-admin-token' })).toContain(
      'TCC_ADMIN_TOKEN_PREVIOUS needs TCC_ADMIN_TOKEN set too',
    );
  });

  it('never echoes a secret in a refusal', () => {
    const envs = [
      { TCC_API_KEYS: 'checkout-secret-value' },
      { TCC_API_KEYS: 'Checkout:checkout-secret-value' },
      { TCC_API_KEYS: 'checkout:checkout-secret-value,billing:checkout-secret-value' },
      { TCC_PARTICIPANT_SECRETS: 'inventory:checkout-secret-value,account:checkout-secret-value' },
    ];
    for (const env of envs) {
      expect(refusal({ ...production, ...env }, { participantSecrets: true })).not.toContain(
        'checkout-secret-value',
      );
    }
  });

  describe('per-participant signing secrets', () => {
    const coordinator = { participantSecrets: true };

    it('reads one secret per participant, and its previous value during a rotation', () => {
      const secrets = readSecrets(
        {
          ...production,
          TCC_PARTICIPANT_SECRETS: 'inventory:inventory-secret-2,account:account-secret-1',
          TCC_PARTICIPANT_SECRETS_PREVIOUS: 'inventory:inventory-secret-1',
        },
        coordinator,
      );
      expect([...secrets.participantSecrets]).toEqual([
        ['inventory', ['inventory-secret-2', 'inventory-secret-1']],
        ['account', ['account-secret-1']],
      ]);
      expect(readSecrets(production, coordinator).participantSecrets.size).toBe(0);
    });

    it.each([
      [
        'two participants sharing a secret',
        { TCC_PARTICIPANT_SECRETS: 'inventory:shared-secret,account:shared-secret' },
        'TCC_PARTICIPANT_SECRETS entry 2 must differ from TCC_PARTICIPANT_SECRETS entry 1',
      ],
      [
        'a participant secret equal to the shared one',
        { TCC_PARTICIPANT_SECRETS: 'inventory:a-long-secret' },
        'TCC_PARTICIPANT_SECRETS entry 1 must differ from TCC_SIGNING_SECRET',
      ],
      [
        'a participant secret equal to the API key',
        { TCC_PARTICIPANT_SECRETS: 'inventory:a-long-api-key' },
        'TCC_PARTICIPANT_SECRETS entry 1 must differ from TCC_API_KEY',
      ],
      [
        'a development default',
        { TCC_PARTICIPANT_SECRETS: 'inventory:dev-signing-secret' },
        'TCC_PARTICIPANT_SECRETS entry 1',
      ],
      [
        'a short secret',
        { TCC_PARTICIPANT_SECRETS: 'inventory:short' },
        'TCC_PARTICIPANT_SECRETS entry 1',
      ],
      [
        'a participant name that is not one',
        { TCC_PARTICIPANT_SECRETS: 'Inventory:inventory-secret-1' },
        'TCC_PARTICIPANT_SECRETS entry 1',
      ],
      [
        'a previous secret of an unlisted participant',
        {
          TCC_PARTICIPANT_SECRETS: 'inventory:inventory-secret-2',
          TCC_PARTICIPANT_SECRETS_PREVIOUS: 'account:account-secret-1',
        },
        'TCC_PARTICIPANT_SECRETS_PREVIOUS entry 1 names no entry of TCC_PARTICIPANT_SECRETS',
      ],
    ])('refuses %s', (_why, env, where) => {
      expect(refusal({ ...production, ...env }, coordinator)).toContain(
        `Invalid configuration: ${where}`,
      );
    });

    it('is refused by a participant, which holds only its own secret', () => {
      for (const variable of ['TCC_PARTICIPANT_SECRETS', 'TCC_PARTICIPANT_SECRETS_PREVIOUS']) {
        expect(refusal({ ...production, [variable]: 'inventory:inventory-secret-1' })).toContain(
          `Invalid configuration: ${variable} is read by the coordinator only`,
        );
      }
    });
  });
});
