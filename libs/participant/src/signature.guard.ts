import { CanActivate, ExecutionContext, Inject, Injectable, RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import {
  DEADLINE_HEADER,
  ErrorCode,
  PHASE_BATCH_PATH,
  SIGNATURE_HEADER,
  SignatureProblem,
  TIMESTAMP_HEADER,
  TccError,
  verifyCall,
} from '@app/protocol';
import { PARTICIPANT_OPTIONS, ParticipantOptions } from './options';

const REASONS: Record<SignatureProblem, string> = {
  missing: 'The call is not signed (X-TCC-Timestamp and X-TCC-Signature are required).',
  'stale-timestamp': 'The signature timestamp is more than 5 minutes away from this clock.',
  mismatch: 'The signature does not match the call.',
};

function header(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies the coordinator's HMAC over the raw request bytes before anything
 * else runs (no validation, no database), accepting the previous secret too.
 */
@Injectable()
export class SignatureGuard implements CanActivate {
  constructor(@Inject(PARTICIPANT_OPTIONS) private readonly options: ParticipantOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RawBodyRequest<Request>>();
    const { action, phase } = request.params as { action?: string; phase?: string };
    const problem = verifyCall(
      this.options.signingSecrets,
      {
        timestamp: header(request, TIMESTAMP_HEADER) ?? '',
        method: request.method,
        // The signed path is /tcc/{action}/{phase} (or /tcc/batch) whatever prefix the coordinator's baseUrl has.
        path: action === undefined ? PHASE_BATCH_PATH : `/tcc/${action}/${phase}`,
        deadline: header(request, DEADLINE_HEADER) ?? '',
        body: request.rawBody ?? Buffer.alloc(0),
      },
      header(request, SIGNATURE_HEADER),
      Date.now(),
    );
    if (problem !== null) throw new TccError(ErrorCode.BadSignature, REASONS[problem]);
    return true;
  }
}
