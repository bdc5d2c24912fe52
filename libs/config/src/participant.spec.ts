import { readParticipantBaseConfig } from './participant';

describe('readParticipantBaseConfig', () => {
  it('needs TCC_API_KEY in production even when the coordinator names its keys: it registers with it', () => {
    const env = {
      NODE_ENV: 'production',
      TCC_API_KEYS: 'checkout:checkout-key-1',
      TCC_ADMIN_TOKEN: 'a-long-admin-token',
      TCC_SIGNING_SECRET: 'a-long-secret',
    };
    expect(() => readParticipantBaseConfig(env, 3001)).toThrow(
      'Invalid configuration: TCC_API_KEY is required',
    );
    expect(readParticipantBaseConfig({ ...env, TCC_API_KEY: 'inventory-key-1' }, 3001).apiKey).toBe(
      'inventory-key-1',
    );
  });
});
