import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import {
  DEADLINE_HEADER,
  Phase,
  PhaseCallBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signCall,
} from '@app/protocol';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { TransactionEvents } from '../events/transaction-events';
import { readBounded } from './bounded-answer';
import { CallOutcome, classifyFailure, classifyResponse } from '../domain/call-outcome';
import { ParticipantHealth } from './participant-health';
import { signingSecretsOf } from './participant-secrets';

/** Which participant endpoint to call. */
export interface CallAddress {
  participant: string;
  baseUrl: string;
  action: string;
}

/**
 * Calls participants: one keep-alive connection pool per origin, every
 * attempt signed afresh with the participant's current secret, each bounded by
 * TCC_CALL_TIMEOUT_MS. Never throws: every failure is an outcome.
 */
@Injectable()
export class ParticipantClient implements OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();

  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    private readonly health: ParticipantHealth,
    private readonly events: TransactionEvents,
  ) {}

  /** Sends `POST {baseUrl}/tcc/{action}/{phase}`; `deadlineMs` goes with tries only. */
  async call(
    address: CallAddress,
    phase: Phase,
    body: PhaseCallBody,
    deadlineMs?: number,
  ): Promise<CallOutcome> {
    const started = Date.now();
    const { outcome, status } = await this.send(address, phase, body, deadlineMs);
    this.health.note(address.participant, outcome.kind === 'unknown' ? outcome.error : null);
    this.events.emit('participantCalled', {
      participant: address.participant,
      action: address.action,
      phase,
      transactionId: body.transactionId,
      branchId: body.branchId,
      outcome: outcome.kind,
      status,
      durationMs: Date.now() - started,
    });
    return outcome;
  }

  async onApplicationShutdown(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private async send(
    address: CallAddress,
    phase: Phase,
    body: PhaseCallBody,
    deadlineMs?: number,
  ): Promise<{ outcome: CallOutcome; status: number | null }> {
    const timeoutMs = this.config.callTimeoutMs;
    try {
      const base = new URL(address.baseUrl);
      // The signature covers /tcc/{A}/{phase} whatever path prefix the base URL has.
      const signedPath = `/tcc/${address.action}/${phase}`;
      const raw = Buffer.from(JSON.stringify(body));
      const timestamp = String(Date.now());
      const deadline = deadlineMs === undefined ? '' : String(deadlineMs);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signCall(
          signingSecretsOf(this.config.secrets, address.participant)[0],
          {
            timestamp,
            method: 'POST',
            path: signedPath,
            deadline,
            body: raw,
          },
        ),
      };
      if (deadline) headers[DEADLINE_HEADER] = deadline;
      const response = await this.pool(base.origin).request({
        method: 'POST',
        path: `${base.pathname.replace(/\/+$/, '')}${signedPath}`,
        headers,
        body: raw,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const status = response.statusCode;
      return { outcome: classifyResponse(status, await readBounded(response.body)), status };
    } catch (error) {
      return { outcome: classifyFailure(error, timeoutMs), status: null };
    }
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 64, keepAliveTimeout: 30_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}
