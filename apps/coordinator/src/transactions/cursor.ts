import type { ListKey } from '../log/transaction-queries.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Encodes a list position as an opaque cursor. */
export function encodeCursor(key: ListKey): string {
  return Buffer.from(`${key.createdMicros}:${key.id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; null for anything else. */
export function decodeCursor(cursor: string): ListKey | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  // 16 digits of microseconds reach past the year 2200 and stay far inside int8 and timestamptz.
  const match = /^(\d{1,16}):(.+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !UUID.test(match[2])) return null;
  return { createdMicros: match[1], id: match[2] };
}
