import { IsInt, IsString, Min } from 'class-validator';
import { ErrorCode, TccError } from '@app/protocol';
import { parseDeadline, readBatchItem, readEnvelope, readPayload } from './phase-call';

class Payload {
  @IsString() sku: string;
  @IsInt() @Min(1) quantity: number;
}

describe('phase call parsing', () => {
  it('reads a well-formed envelope', async () => {
    const envelope = await readEnvelope({ transactionId: 't', branchId: 'b', payload: { a: 1 } });
    expect(envelope).toMatchObject({ transactionId: 't', branchId: 'b', payload: { a: 1 } });
  });

  it.each([
    ['a string', 'hello', 'body'],
    ['null', null, 'body'],
    ['an array', [], 'body'],
    ['no payload', { transactionId: 't', branchId: 'b' }, 'payload'],
    ['a payload array', { transactionId: 't', branchId: 'b', payload: [] }, 'payload'],
    ['an empty branch id', { transactionId: 't', branchId: '', payload: {} }, 'branchId'],
    [
      'a long transaction id',
      { transactionId: 'x'.repeat(129), branchId: 'b', payload: {} },
      'transactionId',
    ],
    ['a NUL in an id', { transactionId: 't\u0000', branchId: 'b', payload: {} }, 'transactionId'],
    [
      'a lone surrogate in an id',
      { transactionId: 't', branchId: '\ud800', payload: {} },
      'branchId',
    ],
    ['a space in an id', { transactionId: 't x', branchId: 'b', payload: {} }, 'transactionId'],
    [
      'a constructor key deep in the payload',
      { transactionId: 't', branchId: 'b', payload: { a: [{ constructor: 1 }] } },
      'payload.a.0.constructor',
    ],
    [
      'a __proto__ key',
      JSON.parse('{"transactionId":"t","branchId":"b","payload":{},"__proto__":{"x":1}}') as object,
      '__proto__',
    ],
    ['an unknown field', { transactionId: 't', branchId: 'b', payload: {}, extra: 1 }, 'extra'],
  ])('rejects %s with a 400 naming the field', async (_name, body, field) => {
    const error = await readEnvelope(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TccError);
    expect((error as TccError).code).toBe(ErrorCode.ValidationFailed);
    expect((error as TccError).extensions.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field })]),
    );
  });

  it('validates the payload into an instance of its class, prefixing field names', async () => {
    const ok = await readPayload(Payload, { sku: 'A', quantity: 2 });
    expect('value' in ok && ok.value).toBeInstanceOf(Payload);
    const bad = await readPayload(Payload, { sku: 'A', quantity: '2', more: true });
    const fields = 'error' in bad ? (bad.error.extensions.errors as { field: string }[]) : [];
    expect(fields.map((f) => f.field).sort()).toEqual(['payload.more', 'payload.quantity']);
  });

  it('parses the deadline header as epoch milliseconds', () => {
    expect(parseDeadline(undefined)).toBeNull();
    expect(parseDeadline('')).toBeNull();
    expect(parseDeadline('1700000000000')).toBe(1700000000000);
    expect(() => parseDeadline('soon')).toThrow(TccError);
    expect(() => parseDeadline('-5')).toThrow(TccError);
  });

  it('reads a batch item with its trace context, and refuses one that is not a string', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const item = { action: 'a', phase: 'try', deadline: 5, body: {} };
    expect(readBatchItem({ ...item, traceparent }, 0)).toMatchObject({ traceparent, deadline: 5 });
    expect(readBatchItem(item, 0).traceparent).toBeNull();
    expect(() => readBatchItem({ ...item, traceparent: 7 }, 2)).toThrow(
      'items[2].traceparent: must be a string',
    );
  });
});
