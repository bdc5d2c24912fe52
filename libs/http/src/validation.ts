import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateBy, ValidationOptions } from 'class-validator';
import { ErrorCode, TccError } from '@app/protocol';

function flatten(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    // One message per field: what is allowed, not every rule the value broke.
    const own = error.constraints
      ? [{ field, messages: Object.values(error.constraints).slice(0, 1) }]
      : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Whitelisting, unknown-field-rejecting validation whose failures are problem+json with `errors`. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return new TccError(
        ErrorCode.ValidationFailed,
        list.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; ') || 'Invalid request.',
        { errors: list },
      );
    },
  });
}

/**
 * An integer from `min` to `max`, checked as one rule so an invalid value
 * gets one message saying what is allowed (`amount must be an integer from 1
 * to 9007199254740991`) instead of one per failed bound.
 */
export function IsIntegerBetween(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIntegerBetween',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) =>
          Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
        defaultMessage: (args) => `${args?.property} must be an integer from ${min} to ${max}`,
      },
    },
    options,
  );
}
