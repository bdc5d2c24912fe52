import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { PHASES, Phase } from '@app/protocol';
import { CallLog } from './call-log';
import { FaultPlan, payloadRule } from './faults';

const PHASE_PATH = /^\/tcc\/[^/]+\/([^/?]+)/;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function problem(response: Response, status: number, code: string, detail: string): void {
  response
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title: code, status, detail, code }));
}

/**
 * Runs in front of the participant SDK's phase controller (and so in front
 * of the signature check and the barrier): logs every phase call, applies
 * the fault planned for it, and records the status it is finally answered
 * with — also when the caller stopped waiting long before.
 */
@Injectable()
export class FaultMiddleware implements NestMiddleware {
  constructor(
    private readonly plan: FaultPlan,
    private readonly log: CallLog,
  ) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const phase = PHASES.find((p: Phase) => p === PHASE_PATH.exec(request.originalUrl)?.[1]);
    if (request.method !== 'POST' || !phase) {
      next();
      return;
    }
    const body = (request.body ?? {}) as {
      transactionId?: unknown;
      branchId?: unknown;
      payload?: unknown;
    };
    const branchId = text(body.branchId);
    const fault = this.plan.take(phase, branchId, payloadRule(body.payload, phase));
    const answered = this.log.received({
      phase,
      transactionId: text(body.transactionId),
      branchId,
      fault: fault.kind,
    });
    // The caller may have hung up long ago; wrapping end() still sees the status the call got.
    const end = response.end.bind(response) as (...args: unknown[]) => Response;
    response.end = ((...args: unknown[]) => {
      answered(response.statusCode);
      return end(...args);
    }) as Response['end'];
    switch (fault.kind) {
      case 'pass':
        next();
        return;
      case 'refuse':
        problem(response, 409, 'BUSI_REFUSED', `The test participant refuses this ${phase}.`);
        return;
      case 'fail':
        problem(response, 500, 'BUSI_FAILED', `The test participant fails this ${phase}.`);
        return;
      case 'hang':
        setTimeout(next, fault.ms);
        return;
    }
  }
}
