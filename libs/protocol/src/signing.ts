import { createHmac, timingSafeEqual } from 'node:crypto';

/** Largest distance, either direction, between a signed timestamp and the verifier's clock. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

/** What a signature covers: everything that changes the meaning of a call. */
export interface SignedCall {
  timestamp: string;
  method: string;
  /** Path without query string, e.g. `/tcc/reserve/try` or `/v1/participants`. */
  path: string;
  /** The `X-TCC-Deadline` value, or empty when the call has none. */
  deadline: string;
  body: Buffer | string;
}

/** Computes the `X-TCC-Signature` header value for a call. */
export function signCall(secret: string, call: SignedCall): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${call.timestamp}.${call.method.toUpperCase()}.${call.path}.${call.deadline}.`);
  hmac.update(call.body);
  return `sha256=${hmac.digest('hex')}`;
}

/** Why a signature was rejected; `null` when it is valid. */
export type SignatureProblem = 'missing' | 'stale-timestamp' | 'mismatch';

/**
 * Verifies a call against every accepted secret (current and, during a
 * rotation, previous), comparing in constant time, and rejects timestamps
 * further than {@link SIGNATURE_TOLERANCE_MS} from `nowMs`.
 */
export function verifyCall(
  secrets: readonly string[],
  call: SignedCall,
  signature: string | undefined,
  nowMs: number,
): SignatureProblem | null {
  if (!signature || !call.timestamp) return 'missing';
  if (!/^\d{1,16}$/.test(call.timestamp)) return 'stale-timestamp';
  if (Math.abs(nowMs - Number(call.timestamp)) > SIGNATURE_TOLERANCE_MS) return 'stale-timestamp';
  const given = Buffer.from(signature, 'utf8');
  let valid = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signCall(secret, call), 'utf8');
    // Every secret is checked even after a match, so timing says nothing about which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  return valid ? null : 'mismatch';
}

/**
 * A fixed-length digest of a bearer token (API key, admin token). Tokens are
 * compared by their digests with `timingSafeEqual`, so neither their length
 * nor their content shows in the time a comparison takes.
 */
export function tokenDigest(token: string): Buffer {
  return createHmac('sha256', 'token-compare').update(token).digest();
}
