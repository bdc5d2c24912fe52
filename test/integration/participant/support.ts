import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DEADLINE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signCall } from '@app/protocol';

/** Secrets every in-process participant under test is configured with: current, previous. */
export const SECRETS = { current: 'current-signing-secret', previous: 'previous-signing-secret' };
/** Bearer tokens of in-process apps under test. */
export const TOKENS = { apiKey: 'test-api-key-1', adminToken: 'test-admin-token-1' };

/** How to sign (or mis-sign) one phase call. */
export interface CallOptions {
  secret?: string;
  /** Epoch ms put in X-TCC-Timestamp; default now. */
  timestamp?: number;
  /** X-TCC-Deadline; default now + 1 minute on try, none on confirm and cancel. */
  deadline?: number | null;
  /** Leave the signature headers out. */
  unsigned?: boolean;
  /** Sign this body but send another (tampering). */
  sentBody?: string;
}

/** Sends a phase call signed the way the coordinator signs it. */
export function phaseCall(
  app: INestApplication,
  action: string,
  phase: string,
  body: unknown,
  options: CallOptions = {},
): request.Test {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const path = `/tcc/${action}/${phase}`;
  const timestamp = String(options.timestamp ?? Date.now());
  const deadlineValue =
    options.deadline === undefined
      ? phase === 'try'
        ? Date.now() + 60_000
        : null
      : options.deadline;
  const deadline = deadlineValue === null ? '' : String(deadlineValue);
  const req = request(app.getHttpServer()).post(path).set('content-type', 'application/json');
  if (deadline) req.set(DEADLINE_HEADER, deadline);
  if (!options.unsigned) {
    const signature = signCall(options.secret ?? SECRETS.current, {
      timestamp,
      method: 'POST',
      path,
      deadline,
      body: raw,
    });
    req.set(TIMESTAMP_HEADER, timestamp).set(SIGNATURE_HEADER, signature);
  }
  return req.send(options.sentBody ?? raw);
}

let sequence = 0;

/** A fresh `{transactionId, branchId}` named after the test that uses it. */
export function branchKey(testName: string): { transactionId: string; branchId: string } {
  sequence += 1;
  return { transactionId: `${testName}-${process.pid}-${sequence}`, branchId: `b-${sequence}` };
}
