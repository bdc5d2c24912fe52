import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { continuedFrom, withContext } from './spans';

/**
 * Handles the request inside the trace its `traceparent` header names, so
 * the spans the handler starts join the caller's trace. Nest binds the
 * handler to the async context in which `handle()` is called.
 */
@Injectable()
export class ContinueTraceInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    return withContext(continuedFrom(request.headers), () => next.handle());
  }
}
