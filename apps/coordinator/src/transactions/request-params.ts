import { ExecutionContext, Injectable, PipeTransform, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { ErrorCode, IDEMPOTENCY_KEY_HEADER, TccError } from '@app/protocol';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID names nothing: 404, never a database error. */
@Injectable()
export class TransactionIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new TccError(ErrorCode.NotFound, `No transaction ${value}.`);
    return value.toLowerCase();
  }
}

/** The `Idempotency-Key` header: absent, or 1–255 visible ASCII characters (else 400). */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | null => {
    const value = context.switchToHttp().getRequest<Request>().headers[IDEMPOTENCY_KEY_HEADER];
    if (value === undefined) return null;
    if (typeof value === 'string' && /^[\x21-\x7e]{1,255}$/.test(value)) return value;
    throw new TccError(
      ErrorCode.ValidationFailed,
      'Idempotency-Key must be 1 to 255 visible ASCII characters.',
      {
        errors: [
          { field: 'Idempotency-Key', messages: ['must be 1 to 255 visible ASCII characters'] },
        ],
      },
    );
  },
);
