import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { ConfigError, parseHttpUrl } from '@app/config';
import type { RegisterParticipantRequest } from '@app/protocol';
import { NAME_PATTERN } from '../names';

@ValidatorConstraint({ name: 'httpUrlWithoutCredentials' })
class HttpUrlWithoutCredentials implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    try {
      parseHttpUrl(value, 'baseUrl');
      return !/[?#]/.test(value);
    } catch (error) {
      if (error instanceof ConfigError) return false;
      throw error;
    }
  }

  defaultMessage(): string {
    return 'baseUrl must be an http(s) URL without credentials, query or fragment';
  }
}

/** Body of `POST /v1/participants`. */
export class RegisterParticipantDto implements RegisterParticipantRequest {
  @ApiProperty({ pattern: NAME_PATTERN.source, example: 'inventory' })
  @IsString()
  @Matches(NAME_PATTERN, { message: 'name must match ^[a-z][a-z0-9-]{0,62}$' })
  name: string;

  @ApiProperty({
    example: 'http://127.0.0.1:3001',
    description: 'http(s), without credentials, query or fragment.',
  })
  @IsString()
  @MaxLength(2000)
  @Validate(HttpUrlWithoutCredentials)
  baseUrl: string;

  @ApiProperty({ type: [String], example: ['reserve'], minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(NAME_PATTERN, { each: true, message: 'each action must match ^[a-z][a-z0-9-]{0,62}$' })
  actions: string[];

  @ApiProperty({
    required: false,
    default: false,
    description: 'It also answers several phase calls in one request at POST /tcc/batch.',
  })
  @IsOptional()
  @IsBoolean()
  batch?: boolean;
}
