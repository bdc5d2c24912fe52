import { isIP } from 'node:net';

/** Raised when a variable is invalid; the message is the one line printed before the app exits. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Source of raw values; `process.env` in apps, a plain object in tests. */
export type Env = Record<string, string | undefined>;

/** Reads an integer variable within [min, max], or the default when unset or empty. */
export function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Reads a boolean variable (`true`/`false`/`1`/`0`). */
export function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

/** Reads an http(s) URL without credentials, returned without a trailing slash. */
export function urlVar(env: Env, name: string, fallback?: string): string {
  const raw = env[name]?.trim() || fallback;
  if (!raw) throw new ConfigError(name, 'is required');
  return parseHttpUrl(raw, name);
}

/**
 * Validates an http(s) URL without credentials; returns it without a
 * trailing slash. Errors do not echo the URL: a webhook URL usually carries
 * its own secret in the path.
 */
export function parseHttpUrl(raw: string, name: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new ConfigError(name, 'must not contain credentials');
  return raw.replace(/\/+$/, '');
}

/** Reads a PostgreSQL connection URL. */
export function postgresUrlVar(env: Env, name: string): string {
  const raw = env[name]?.trim();
  if (!raw) throw new ConfigError(name, 'is required');
  return parsePostgresUrl(raw, name);
}

/** Validates a `postgres://` or `postgresql://` URL. */
export function parsePostgresUrl(raw: string, name: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, 'must be a postgres:// URL');
  }
  if (!url.pathname || url.pathname === '/') throw new ConfigError(name, 'must name a database');
  return raw;
}

/** Log levels an app accepts in `LOG_LEVEL`, most severe first; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Reads `LOG_LEVEL` (default `info`). */
export function logLevelVar(env: Env): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (raw === undefined || raw === '') return 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (!level) {
    throw new ConfigError(
      'LOG_LEVEL',
      `must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`,
    );
  }
  return level;
}

/**
 * `TCC_RATE_LIMIT_PER_MINUTE` when it is unset and NODE_ENV=production:
 * 10,000 requests a second per client, well above what one coordinator
 * process serves, so it never throttles a working deployment (callers are
 * authenticated services that send many users' requests each) and only
 * stops a client that loops at full speed through a fast proxy.
 */
export const PRODUCTION_RATE_LIMIT_PER_MINUTE = 600_000;

/**
 * Reads `TCC_RATE_LIMIT_PER_MINUTE`: requests a minute per client (bearer
 * token and address) an app accepts; 0 turns the limit off. Default:
 * {@link PRODUCTION_RATE_LIMIT_PER_MINUTE} in production, else 0.
 */
export function rateLimitVar(env: Env): number {
  const fallback = env.NODE_ENV === 'production' ? PRODUCTION_RATE_LIMIT_PER_MINUTE : 0;
  return intVar(env, 'TCC_RATE_LIMIT_PER_MINUTE', fallback, 0, 10_000_000);
}

/**
 * Reads `HOST`, the address the HTTP server listens on (an IP address).
 * Default: every interface with NODE_ENV=production, where the secrets are
 * the operator's own; elsewhere 127.0.0.1, because the development secrets
 * are known to everyone.
 */
export function listenHostVar(env: Env): string {
  const raw = env.HOST?.trim();
  if (!raw) return env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1';
  if (isIP(raw) === 0) throw new ConfigError('HOST', `must be an IP address, got "${raw}"`);
  return raw;
}

/** Runs `build` and, on a configuration error, prints its one line and exits with status 1. */
export function loadConfigOrExit<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
