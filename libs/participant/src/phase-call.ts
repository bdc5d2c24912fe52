import { plainToInstance } from 'class-transformer';
import { IsObject, IsString, Matches, ValidationError, validate } from 'class-validator';
import { ErrorCode, MAX_BATCH_ITEMS, TccError } from '@app/protocol';

// Visible ASCII only: the coordinator sends UUIDs, and an id with NUL would make the barrier
// insert fail (a 500) while lone surrogates would be stored as U+FFFD, merging distinct ids.
const BARRIER_ID = /^[\x21-\x7e]{1,128}$/;
const BARRIER_ID_MESSAGE = 'must be 1 to 128 visible ASCII characters';

/** The body of every phase call, before its payload is validated against the action's class. */
export class PhaseCallEnvelope {
  @IsString()
  @Matches(BARRIER_ID, { message: `transactionId ${BARRIER_ID_MESSAGE}` })
  transactionId: string;

  @IsString()
  @Matches(BARRIER_ID, { message: `branchId ${BARRIER_ID_MESSAGE}` })
  branchId: string;

  @IsObject() payload: Record<string, unknown>;
}

/** A field and what is wrong with it, as listed in a 400 problem's `errors`. */
export interface FieldProblem {
  field: string;
  messages: string[];
}

function flatten(errors: ValidationError[], prefix: string): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    // One message per field: what is allowed, not every rule the value broke.
    const own = error.constraints
      ? [{ field, messages: Object.values(error.constraints).slice(0, 1) }]
      : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

function validationProblem(problems: FieldProblem[]): TccError {
  const detail = problems.map((p) => `${p.field}: ${p.messages.join(', ')}`).join('; ');
  return new TccError(ErrorCode.ValidationFailed, detail || 'Invalid request.', {
    errors: problems,
  });
}

/** Validates `plain` into an instance of `type`, rejecting unknown fields; field names get `prefix`. */
async function validated<T extends object>(
  type: new () => T,
  plain: object,
  prefix: string,
): Promise<{ value: T } | { error: TccError }> {
  const value = plainToInstance(type, plain);
  const errors = await validate(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
  });
  return errors.length === 0 ? { value } : { error: validationProblem(flatten(errors, prefix)) };
}

// class-transformer takes a nested object's `constructor` for its class: `{"x":{"constructor":1}}` made it throw (a 500).
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Paths of every key named like a prototype member, found without recursion. */
function prototypeKeys(body: object): string[] {
  const found: string[] = [];
  const pending: [unknown, string][] = [[body, '']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) found.push(field);
      else pending.push([child, field]);
    }
  }
  return found;
}

/** Reads the `{transactionId, branchId, payload}` envelope of a phase call; 400 when it is malformed. */
export async function readEnvelope(body: unknown): Promise<PhaseCallEnvelope> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationProblem([{ field: 'body', messages: ['must be a JSON object'] }]);
  }
  const forbidden = prototypeKeys(body);
  if (forbidden.length > 0) {
    throw validationProblem(forbidden.map((field) => ({ field, messages: ['is not allowed'] })));
  }
  const result = await validated(PhaseCallEnvelope, body, '');
  if ('error' in result) throw result.error;
  return result.value;
}

/** Validates a payload against the action's class; the 400 problem is returned, not thrown, because confirm and cancel answer it differently. */
export function readPayload<P extends object>(
  type: new () => P,
  payload: Record<string, unknown>,
): Promise<{ value: P } | { error: TccError }> {
  return validated(type, payload, 'payload');
}

/** Parses the `X-TCC-Deadline` header (epoch ms); null when absent, 400 when not a number. */
export function parseDeadline(header: string | undefined): number | null {
  if (header === undefined || header === '') return null;
  if (!/^\d{1,16}$/.test(header)) {
    throw validationProblem([
      { field: 'x-tcc-deadline', messages: ['must be epoch milliseconds'] },
    ]);
  }
  return Number(header);
}

/** The items of a `POST /tcc/batch` body, each still to be read with {@link readBatchItem}; 400 for the whole batch when the body is not `{items: [1 … MAX_BATCH_ITEMS]}`. */
export function readBatch(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationProblem([{ field: 'body', messages: ['must be a JSON object'] }]);
  }
  const extra = Object.keys(body).filter((key) => key !== 'items');
  if (extra.length > 0) {
    throw validationProblem(extra.map((field) => ({ field, messages: ['is not allowed'] })));
  }
  const { items } = body as { items?: unknown };
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH_ITEMS) {
    throw validationProblem([
      { field: 'items', messages: [`must be an array of 1 to ${MAX_BATCH_ITEMS} items`] },
    ]);
  }
  return items;
}

/** One batch item read: its action, phase, try deadline, trace context and the single call's body. */
export interface BatchItem {
  action: string;
  phase: string;
  deadline: number | null;
  /** The W3C `traceparent` the single call would carry as a header. */
  traceparent: string | null;
  body: unknown;
}

const ITEM_KEYS = new Set(['action', 'phase', 'deadline', 'traceparent', 'body']);

/** Reads one item of a batch; 400 for that item alone when it is malformed. */
export function readBatchItem(raw: unknown, index: number): BatchItem {
  const field = (name: string) => `items[${index}]${name ? `.${name}` : ''}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw validationProblem([{ field: field(''), messages: ['must be a JSON object'] }]);
  }
  const problems: FieldProblem[] = Object.keys(raw)
    .filter((key) => !ITEM_KEYS.has(key))
    .map((key) => ({ field: field(key), messages: ['is not allowed'] }));
  const { action, phase, deadline, traceparent, body } = raw as Record<string, unknown>;
  for (const [name, value] of [
    ['action', action],
    ['phase', phase],
  ] as const) {
    if (typeof value !== 'string')
      problems.push({ field: field(name), messages: ['must be a string'] });
  }
  const validDeadline =
    deadline === undefined || (Number.isSafeInteger(deadline) && (deadline as number) >= 0);
  if (!validDeadline) {
    problems.push({ field: field('deadline'), messages: ['must be epoch milliseconds'] });
  }
  if (traceparent !== undefined && typeof traceparent !== 'string') {
    problems.push({ field: field('traceparent'), messages: ['must be a string'] });
  }
  if (problems.length > 0) throw validationProblem(problems);
  return {
    action: action as string,
    phase: phase as string,
    deadline: deadline === undefined ? null : (deadline as number),
    traceparent: typeof traceparent === 'string' ? traceparent : null,
    body,
  };
}
