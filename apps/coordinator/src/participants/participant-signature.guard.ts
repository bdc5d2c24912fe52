import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ErrorCode, SIGNATURE_HEADER, TIMESTAMP_HEADER, TccError, verifyCall } from '@app/protocol';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';

/** The path a registration signature covers, whatever prefix a proxy adds. */
export const REGISTRATION_PATH = '/v1/participants';

/**
 * Registration needs, besides the API key, a signature made with the
 * signing secret over the raw body: only a real participant can register
 * or move a name. Checked before the body is validated.
 */
@Injectable()
export class ParticipantSignatureGuard implements CanActivate {
  constructor(@Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { rawBody?: Buffer }>();
    const header = (name: string): string | undefined => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const problem = verifyCall(
      this.config.secrets.signingSecrets,
      {
        timestamp: header(TIMESTAMP_HEADER) ?? '',
        method: 'POST',
        path: REGISTRATION_PATH,
        deadline: '',
        body: request.rawBody ?? Buffer.alloc(0),
      },
      header(SIGNATURE_HEADER),
      Date.now(),
    );
    if (problem === null) return true;
    throw new TccError(
      401,
      ErrorCode.BadSignature,
      `Registration needs a valid X-TCC-Signature (${problem}).`,
    );
  }
}
