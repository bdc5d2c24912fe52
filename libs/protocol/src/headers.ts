/** Epoch milliseconds after which a participant must refuse the try. */
export const DEADLINE_HEADER = 'x-tcc-deadline';
/** Epoch milliseconds at which the coordinator signed the call. */
export const TIMESTAMP_HEADER = 'x-tcc-timestamp';
/** `sha256=<lower-case hex HMAC>` over the canonical string of the call. */
export const SIGNATURE_HEADER = 'x-tcc-signature';
/** Client-chosen key that makes a create or add-branch request safe to repeat. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set on a response that replays the outcome of an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
