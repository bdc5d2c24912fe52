import { ValidateBy, ValidationOptions, buildMessage } from 'class-validator';

/** Deepest nesting a payload may have (the payload object itself is depth 1). */
export const MAX_PAYLOAD_DEPTH = 8;
/** Largest serialized payload. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** True when `value` nests objects or arrays deeper than `remaining` more levels. */
function nestsDeeper(value: unknown, remaining: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (remaining === 0) return true;
  return Object.values(value).some((child) => nestsDeeper(child, remaining - 1));
}

// A lone UTF-16 surrogate: JSON can carry one (`"\ud800"`), PostgreSQL text and jsonb cannot.
const LONE_SURROGATE = /\p{Cs}/u;

/** NUL and lone surrogates: valid in a JS string, refused by PostgreSQL (a 500 if they got that far). */
function unstorable(text: string): boolean {
  return text.includes('\0') || LONE_SURROGATE.test(text);
}

function containsUnstorable(value: unknown): boolean {
  if (typeof value === 'string') return unstorable(value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, child]) => unstorable(key) || containsUnstorable(child));
}

/** True for a JSON object (not an array, not null) within the payload limits, storable as jsonb. */
export function isPayloadObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (nestsDeeper(value, MAX_PAYLOAD_DEPTH)) return false;
  // Refused here, as a 400, because jsonb would refuse them with a 500.
  if (containsUnstorable(value)) return false;
  return Buffer.byteLength(JSON.stringify(value)) <= MAX_PAYLOAD_BYTES;
}

/** Validates a branch payload: a JSON object, nested at most 8 deep, at most 16 KiB serialized, storable as jsonb. */
export function IsPayloadObject(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPayloadObject',
      validator: {
        validate: (value: unknown) => isPayloadObject(value),
        defaultMessage: buildMessage(
          (prefix) =>
            `${prefix}$property must be a JSON object nested at most ${MAX_PAYLOAD_DEPTH} deep, at most ${MAX_PAYLOAD_BYTES} bytes, without NUL characters or lone surrogates`,
          options,
        ),
      },
    },
    options,
  );
}

/** Validates a string PostgreSQL can store as text: no NUL character, no lone surrogate. */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !unstorable(value),
        defaultMessage: buildMessage(
          (prefix) => `${prefix}$property must be text without NUL characters or lone surrogates`,
          options,
        ),
      },
    },
    options,
  );
}
