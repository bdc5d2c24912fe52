import { readSecrets } from '@app/config';
import { signingSecretsOf } from './participant-secrets';

describe('signingSecretsOf', () => {
  const secrets = readSecrets(
    {
      TCC_SIGNING_SECRET: 'shared-secret-2',
      TCC_SIGNING_SECRET_PREVIOUS: 'shared-secret-1',
      TCC_PARTICIPANT_SECRETS: 'inventory:inventory-secret-2,account:account-secret-1',
      TCC_PARTICIPANT_SECRETS_PREVIOUS: 'inventory:inventory-secret-1',
    },
    { participantSecrets: true },
  );

  it("gives a listed participant only its own secrets, never the shared one or another's", () => {
    expect(signingSecretsOf(secrets, 'inventory')).toEqual([
      'inventory-secret-2',
      'inventory-secret-1',
    ]);
    expect(signingSecretsOf(secrets, 'account')).toEqual(['account-secret-1']);
  });

  it('gives any other participant the shared secret', () => {
    expect(signingSecretsOf(secrets, 'busi')).toEqual(['shared-secret-2', 'shared-secret-1']);
  });
});
