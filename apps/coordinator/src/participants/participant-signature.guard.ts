import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ErrorCode, SIGNATURE_HEADER, TIMESTAMP_HEADER, TccError, verifyCall } from '@app/protocol';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { signingSecretsOf } from './participant-secrets';

/** The path a registration signature covers, whatever prefix a proxy adds. */
export const REGISTRATION_PATH = '/v1/participants';

/**
 * Registration needs, besides the API key, a signature over the raw body
 * made with the secret of the name it registers (see
 * {@link signingSecretsOf}): only that participant can register or move its
 * name. Checked before the body is validated.
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
    const { name } = (request.body ?? {}) as { name?: unknown };
    // A body without a name is refused by validation; its signature is checked like an unlisted name's.
    const secrets = signingSecretsOf(this.config.secrets, typeof name === 'string' ? name : '');
    const problem = verifyCall(
      secrets,
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
      ErrorCode.BadSignature,
      `Registration needs a valid X-TCC-Signature (${problem}).`,
    );
  }
}
