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

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, child]) => key.includes('\0') || containsNul(child));
}

/** True for a JSON object (not an array, not null) within the payload limits, storable as jsonb. */
export function isPayloadObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (nestsDeeper(value, MAX_PAYLOAD_DEPTH)) return false;
  // PostgreSQL's jsonb cannot store the NUL character; refusing it here keeps it a 400, not a 500.
  if (containsNul(value)) return false;
  return Buffer.byteLength(JSON.stringify(value)) <= MAX_PAYLOAD_BYTES;
}

/** Validates a branch payload: a JSON object, nested at most 8 deep, at most 16 KiB serialized. */
export function IsPayloadObject(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPayloadObject',
      validator: {
        validate: (value: unknown) => isPayloadObject(value),
        defaultMessage: buildMessage(
          (prefix) =>
            `${prefix}$property must be a JSON object nested at most ${MAX_PAYLOAD_DEPTH} deep and at most ${MAX_PAYLOAD_BYTES} bytes`,
          options,
        ),
      },
    },
    options,
  );
}

/** Validates a string PostgreSQL can store as text: no NUL character. */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !containsNul(value),
        defaultMessage: buildMessage(
          (prefix) => `${prefix}$property must be text without NUL characters`,
          options,
        ),
      },
    },
    options,
  );
}
