import { ConfigError, parsePostgresUrl } from '@app/config';

/** One account shard: the stable name that places accounts on the ring, and where its database is. */
export interface ShardConfig {
  name: string;
  url: string;
}

/** Shard names: stable identifiers, safe in logs and as PostgreSQL application names. */
export const SHARD_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const VARIABLE = 'ACCOUNT_SHARD_URLS';

/** host:port/database, which identifies a database whatever the credentials in the URL. */
function databaseIdentity(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname.toLowerCase()}:${parsed.port || '5432'}${decodeURIComponent(parsed.pathname)}`;
}

/**
 * Parses `ACCOUNT_SHARD_URLS`: comma-separated entries, each `name=url` or a
 * bare `postgres://` URL named `shard-<position>`. Only the name places
 * accounts on the ring, so a URL may change (new password, new host) without
 * moving any account. Errors never echo a URL, which may hold a password.
 */
export function parseShardUrls(raw: string | undefined): ShardConfig[] {
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigError(VARIABLE, 'is required (comma-separated name=postgres://… entries)');
  }
  const shards = raw.split(',').map((entry, index): ShardConfig => {
    const where = `${VARIABLE} (entry ${index + 1})`;
    const text = entry.trim();
    if (text === '') throw new ConfigError(where, 'is empty');
    // A bare URL may itself contain '=' (in its query string), so it is recognised by its scheme.
    const bare = /^postgres(ql)?:\/\//i.test(text);
    const separator = text.indexOf('=');
    if (!bare && separator < 0) {
      throw new ConfigError(where, 'must be name=postgres://… or a postgres:// URL');
    }
    const name = bare ? `shard-${index}` : text.slice(0, separator).trim();
    const url = bare ? text : text.slice(separator + 1).trim();
    if (!SHARD_NAME.test(name)) {
      throw new ConfigError(
        where,
        `has an invalid shard name "${name}" (must match ${SHARD_NAME})`,
      );
    }
    return { name, url: parsePostgresUrl(url, `${where} "${name}"`) };
  });
  const names = new Set<string>();
  const databases = new Map<string, string>();
  for (const shard of shards) {
    if (names.has(shard.name)) {
      throw new ConfigError(VARIABLE, `names shard "${shard.name}" twice`);
    }
    names.add(shard.name);
    const database = databaseIdentity(shard.url);
    const other = databases.get(database);
    if (other !== undefined) {
      throw new ConfigError(
        VARIABLE,
        `gives shards "${other}" and "${shard.name}" the same database`,
      );
    }
    databases.set(database, shard.name);
  }
  return shards;
}
