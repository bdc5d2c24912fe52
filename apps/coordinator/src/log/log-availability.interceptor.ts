import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { catchError, Observable, throwError } from 'rxjs';
import { ErrorCode, TccError } from '@app/protocol';
import { LogAvailability } from './log-availability';

const WITHOUT_LOG = 'tcc:without-log';

/** Marks a controller whose answers do not need the transaction log (health, metrics). */
export const WithoutLog = (): ClassDecorator => SetMetadata(WITHOUT_LOG, true);

/** Seconds a client is told to wait before retrying while the log is unreachable. */
const RETRY_AFTER_SECONDS = 1;

function unavailable(response: Response, reason: string): TccError {
  response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  return new TccError(
    ErrorCode.LogUnavailable,
    `The transaction log is unreachable (${reason}). Retry later: with the same Idempotency-Key a retry never runs a transaction twice.`,
  );
}

/**
 * Answers 503 LOG_UNAVAILABLE at once while the log's database is known to
 * be unreachable, and turns a request's own failure to reach it into the
 * same answer (and a probe) instead of a 500.
 */
@Injectable()
export class LogAvailabilityInterceptor implements NestInterceptor {
  constructor(
    private readonly availability: LogAvailability,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.get<boolean>(WITHOUT_LOG, context.getClass())) return next.handle();
    const response = context.switchToHttp().getResponse<Response>();
    const outage = this.availability.outage();
    if (outage) return throwError(() => unavailable(response, outage.reason));
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          throwError(() =>
            this.availability.noteFailure(error)
              ? unavailable(response, error instanceof Error ? error.message : String(error))
              : error,
          ),
        ),
      );
  }
}
