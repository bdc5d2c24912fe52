import { createHash } from 'node:crypto';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** JSON with object keys sorted, so equal requests serialize equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

/** The hash stored with an idempotency key: equal for equal requests, whatever their key order. */
export function hashRequest(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}
