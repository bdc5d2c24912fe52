import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import {
  BusinessRefusal,
  ErrorCode,
  HTTP_STATUS_OF,
  ProblemDetails,
  REFUSAL_STATUS,
  TccError,
} from '@app/protocol';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The code of an HTTP exception the framework or a library threw with a status of its own. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.TooManyRequests,
};

/** Builds the RFC 9457 problem body of a code, with the status {@link HTTP_STATUS_OF} gives it. */
export function problem(
  code: ErrorCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemDetails {
  return render(HTTP_STATUS_OF[code], code, detail, extensions);
}

/** `type` names the code so clients can link to it. */
function render(
  status: number,
  code: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemDetails {
  return {
    type: `urn:tcc:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extensions,
  };
}

/** Turns whatever was thrown into the problem body and status of the wire contract. */
export function toProblem(exception: unknown): ProblemDetails {
  if (exception instanceof TccError) {
    return problem(exception.code, exception.message, exception.extensions);
  }
  if (exception instanceof BusinessRefusal) {
    return render(REFUSAL_STATUS, exception.code, exception.message);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === 'object' && body !== null && 'code' in body && 'detail' in body) {
      const { code, detail, ...rest } = body as { code: string; detail: string };
      return render(status, code, detail, rest);
    }
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? body.message
        : exception.message;
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    // Nest turns body-parser's SyntaxError into a plain BadRequestException.
    if (status === 400 && /JSON/.test(detail)) {
      return problem(ErrorCode.MalformedJson, `The request body is not valid JSON: ${detail}`);
    }
    return render(
      status,
      CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.ValidationFailed),
      detail,
    );
  }
  // body-parser errors carry `type` and `status` instead of being HttpExceptions.
  const parserError = exception as { type?: string; status?: number; message?: string };
  if (parserError?.type === 'entity.too.large') {
    return problem(ErrorCode.PayloadTooLarge, 'The request body exceeds 256 KiB.');
  }
  if (parserError?.type === 'entity.parse.failed') {
    return problem(ErrorCode.MalformedJson, 'The request body is not valid JSON.');
  }
  if (
    typeof parserError?.status === 'number' &&
    parserError.status >= 400 &&
    parserError.status < 500
  ) {
    return render(
      parserError.status,
      CODE_BY_STATUS[parserError.status] ?? ErrorCode.ValidationFailed,
      parserError.message ?? 'The request could not be read.',
    );
  }
  return problem(ErrorCode.Internal, 'An unexpected error occurred.');
}

/** The single place where errors become `application/problem+json`. */
@Catch()
export class ProblemJsonFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemJsonFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toProblem(exception);
    // A TccError is an outcome the code chose to answer (a try whose outcome is unknown is a 502),
    // already visible in the transaction's events; only a failure nobody anticipated is an error.
    if (body.status >= 500 && !(exception instanceof TccError)) this.logger.error(exception);
    if (response.headersSent) return;
    if (body.status === 429 && typeof body.retryAfterSeconds === 'number') {
      response.setHeader('Retry-After', String(body.retryAfterSeconds));
    }
    response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }
}
