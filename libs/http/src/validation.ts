import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorCode, TccError } from '@app/protocol';

function flatten(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Whitelisting, unknown-field-rejecting validation whose failures are problem+json with `errors`. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return new TccError(
        400,
        ErrorCode.ValidationFailed,
        list.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; ') || 'Invalid request.',
        { errors: list },
      );
    },
  });
}
