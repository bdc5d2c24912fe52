import { ConfigError, Env } from './env';

/** Development defaults of the three secrets; refused in production. */
export const DEV_SECRETS = {
  TCC_API_KEY: 'dev-api-key',
  TCC_ADMIN_TOKEN: 'dev-admin-token',
  TCC_SIGNING_SECRET: 'dev-signing-secret',
} as const;

/** The caller `TCC_API_KEY` (and `TCC_API_KEY_PREVIOUS`) identifies. */
export const DEFAULT_CALLER = 'default';

/** The caller the admin token identifies. */
export const ADMIN_CALLER = 'admin';

/** Names of API keys and participants: lower-case, URL-safe, at most 63 characters. */
export const SECRET_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Shortest secret an app accepts; a floor, not advice (use 32 random bytes). */
export const MIN_SECRET_LENGTH = 8;

/** One accepted API key and the caller it identifies. */
export interface CallerKey {
  caller: string;
  key: string;
}

/** The secrets an app checks and presents, validated once at start. */
export interface Secrets {
  /**
   * Every accepted API key with its caller: `TCC_API_KEY` and
   * `TCC_API_KEY_PREVIOUS` as {@link DEFAULT_CALLER}, the entries of
   * `TCC_API_KEYS` and `TCC_API_KEYS_PREVIOUS` under their names.
   */
  apiKeys: CallerKey[];
  /** `TCC_API_KEY`, which a participant presents when registering; unset when only named keys are configured. */
  apiKey: string | undefined;
  /** `TCC_ADMIN_TOKEN`, then `TCC_ADMIN_TOKEN_PREVIOUS` during a rotation. */
  adminTokens: string[];
  /** `TCC_SIGNING_SECRET`, then `TCC_SIGNING_SECRET_PREVIOUS` during a rotation: the first signs, all verify. */
  signingSecrets: string[];
  /**
   * The coordinator's per-participant signing secrets
   * (`TCC_PARTICIPANT_SECRETS`, `TCC_PARTICIPANT_SECRETS_PREVIOUS`): name →
   * current, then previous. Empty in participants.
   */
  participantSecrets: Map<string, string[]>;
  /** Names of the variables that fell back to their development default. */
  defaulted: string[];
}

/** Which secrets an app reads besides the common ones. */
export interface SecretsOptions {
  /** True in the coordinator: it reads `TCC_PARTICIPANT_SECRETS`; a participant refuses it. */
  participantSecrets?: boolean;
}

const DEV_VALUES: readonly string[] = Object.values(DEV_SECRETS);

/**
 * Validates secrets one by one and refuses a value already given to another
 * variable or entry: a secret shared by two roles gives either holder both.
 */
class SecretLedger {
  private readonly seen: { label: string; value: string }[] = [];

  constructor(private readonly production: boolean) {}

  add(label: string, value: string): string {
    if (this.production && DEV_VALUES.includes(value)) {
      throw new ConfigError(label, 'must not be a development default when NODE_ENV=production');
    }
    if (value.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(label, `must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    const earlier = this.seen.find((entry) => entry.value === value);
    if (earlier) throw new ConfigError(label, `must differ from ${earlier.label}`);
    this.seen.push({ label, value });
    return value;
  }
}

interface NamedEntry {
  name: string;
  value: string;
  /** How errors name the entry: by position, since a malformed entry may be a secret. */
  label: string;
}

/** Parses `name:secret,name:secret`; the secret is everything after the first colon. */
function namedEntries(env: Env, variable: string): NamedEntry[] {
  const raw = env[variable]?.trim();
  if (!raw) return [];
  return raw.split(',').map((entry, index) => {
    const label = `${variable} entry ${index + 1}`;
    const colon = entry.indexOf(':');
    const name = entry.slice(0, Math.max(colon, 0)).trim();
    const value = entry.slice(colon + 1).trim();
    if (colon === -1 || !SECRET_NAME.test(name) || value === '') {
      throw new ConfigError(label, `must be name:secret, the name matching ${SECRET_NAME.source}`);
    }
    return { name, value, label };
  });
}

/**
 * Reads a named list and its `…_PREVIOUS` companion into name → [current,
 * previous?]. A previous entry must name a current one, so revoking a name
 * means removing it from the list, and a forgotten previous value is an
 * error rather than a key that still works.
 */
function readNamed(
  env: Env,
  ledger: SecretLedger,
  variable: string,
  reserved: Record<string, string>,
): Map<string, string[]> {
  const named = new Map<string, string[]>();
  for (const entry of namedEntries(env, variable)) {
    if (entry.name in reserved) {
      throw new ConfigError(
        entry.label,
        `must not use the name "${entry.name}" of ${reserved[entry.name]}`,
      );
    }
    if (named.has(entry.name))
      throw new ConfigError(entry.label, 'repeats the name of an earlier entry');
    named.set(entry.name, [ledger.add(entry.label, entry.value)]);
  }
  const previousVariable = `${variable}_PREVIOUS`;
  for (const entry of namedEntries(env, previousVariable)) {
    const values = named.get(entry.name);
    if (!values) throw new ConfigError(entry.label, `names no entry of ${variable}`);
    if (values.length > 1)
      throw new ConfigError(entry.label, 'repeats the name of an earlier entry');
    values.push(ledger.add(entry.label, entry.value));
  }
  return named;
}

/**
 * Reads the secrets. In production a missing or default secret is an error;
 * elsewhere the development default is used and reported so the app can
 * print it at start. Every value must differ from every other, and a
 * `…_PREVIOUS` value needs its current variable set.
 */
export function readSecrets(env: Env, options: SecretsOptions = {}): Secrets {
  const production = env.NODE_ENV === 'production';
  const ledger = new SecretLedger(production);
  const defaulted: string[] = [];
  const given = (variable: string): string | undefined => env[variable]?.trim() || undefined;
  const current = (variable: keyof typeof DEV_SECRETS, why?: string): string => {
    const value = given(variable);
    if (value !== undefined) return ledger.add(variable, value);
    if (production) {
      throw new ConfigError(
        variable,
        `must be set to a non-default secret when NODE_ENV=production${why ?? ''}`,
      );
    }
    defaulted.push(variable);
    return ledger.add(variable, DEV_SECRETS[variable]);
  };
  const previous = (variable: keyof typeof DEV_SECRETS): string[] => {
    const name = `${variable}_PREVIOUS`;
    const value = given(name);
    if (value === undefined) return [];
    if (given(variable) === undefined) throw new ConfigError(name, `needs ${variable} set too`);
    return [ledger.add(name, value)];
  };

  // With named keys, production may drop the shared default key altogether.
  const namedKeys = production && given('TCC_API_KEYS') !== undefined;
  const apiKey =
    namedKeys && given('TCC_API_KEY') === undefined
      ? undefined
      : current('TCC_API_KEY', ' (or list every client key in TCC_API_KEYS)');
  const apiKeys: CallerKey[] = [];
  if (apiKey !== undefined) {
    for (const key of [apiKey, ...previous('TCC_API_KEY')]) {
      apiKeys.push({ caller: DEFAULT_CALLER, key });
    }
  }
  const named = readNamed(env, ledger, 'TCC_API_KEYS', {
    [DEFAULT_CALLER]: 'TCC_API_KEY',
    [ADMIN_CALLER]: 'the admin token',
  });
  for (const [caller, keys] of named) for (const key of keys) apiKeys.push({ caller, key });

  const adminTokens = [current('TCC_ADMIN_TOKEN'), ...previous('TCC_ADMIN_TOKEN')];
  const signingSecrets = [current('TCC_SIGNING_SECRET'), ...previous('TCC_SIGNING_SECRET')];

  let participantSecrets = new Map<string, string[]>();
  if (options.participantSecrets) {
    participantSecrets = readNamed(env, ledger, 'TCC_PARTICIPANT_SECRETS', {});
  } else {
    for (const variable of ['TCC_PARTICIPANT_SECRETS', 'TCC_PARTICIPANT_SECRETS_PREVIOUS']) {
      // A participant that held every participant's secret could sign calls to all of them.
      if (given(variable) !== undefined) {
        throw new ConfigError(
          variable,
          'is read by the coordinator only: a participant holds its own secret in TCC_SIGNING_SECRET',
        );
      }
    }
  }
  return { apiKeys, apiKey, adminTokens, signingSecrets, participantSecrets, defaulted };
}
