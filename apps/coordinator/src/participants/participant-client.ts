import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Pool } from 'undici';
import {
  DEADLINE_HEADER,
  PHASE_BATCH_PATH,
  Phase,
  PhaseCallBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signCall,
} from '@app/protocol';
import { TRACEPARENT_HEADER, TccAttributes, inSpan, traceparentOf } from '@app/tracing';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { TransactionEvents } from '../events/transaction-events';
import { readBounded } from './bounded-answer';
import { CallOutcome, classifyFailure, classifyResponse } from '../domain/call-outcome';
import { ParticipantHealth } from './participant-health';
import { signingSecretsOf } from './participant-secrets';
import { BatchTransport, CallLane, QueuedCall, SentCall } from './call-batcher';
import { BatchCapability } from './batch-capability';

/** Most bytes of a batch's answer the coordinator reads: a full batch of problems fits. */
const MAX_BATCH_ANSWER_BYTES = 1024 * 1024;

const tracer = trace.getTracer('coordinator');

/** Which participant endpoint to call. */
export interface CallAddress {
  participant: string;
  baseUrl: string;
  action: string;
  /** Phase-2 calls the branch had before this one; tries count none. */
  attempts?: number;
}

/**
 * Calls participants: one keep-alive connection pool per origin, every
 * attempt signed afresh with the current secret, each bounded by
 * TCC_CALL_TIMEOUT_MS. Never throws: every failure is an outcome.
 */
@Injectable()
export class ParticipantClient implements OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();
  private readonly lanes = new Map<string, CallLane>();

  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    private readonly health: ParticipantHealth,
    private readonly events: TransactionEvents,
    private readonly capability: BatchCapability,
  ) {}

  /**
   * Sends `POST {baseUrl}/tcc/{action}/{phase}`; `deadlineMs` goes with
   * tries only. To a participant that answers batches, concurrent calls go
   * together in one `POST {baseUrl}/tcc/batch` ({@link CallLane}), each
   * with the outcome its single call would have had. Each call is a span,
   * whose `traceparent` the call carries (a header, or its batch item's field).
   */
  call(
    address: CallAddress,
    phase: Phase,
    body: PhaseCallBody,
    deadlineMs?: number,
  ): Promise<CallOutcome> {
    const attributes = {
      [TccAttributes.Participant]: address.participant,
      [TccAttributes.Action]: address.action,
      [TccAttributes.Phase]: phase,
      [TccAttributes.TransactionId]: body.transactionId,
      [TccAttributes.BranchId]: body.branchId,
      [TccAttributes.Attempt]: (address.attempts ?? 0) + 1,
    };
    return inSpan(tracer, 'tcc.call', { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const started = Date.now();
      const call: QueuedCall = {
        action: address.action,
        phase,
        body,
        deadlineMs,
        traceparent: traceparentOf() ?? undefined,
      };
      const { outcome, status } =
        this.config.batchCalls && (await this.capability.batches(address.participant))
          ? await this.lane(address).submit(call)
          : await this.send(address, call);
      span.setAttribute(TccAttributes.Outcome, outcome.kind);
      if (status !== null) span.setAttribute('http.response.status_code', status);
      if (outcome.kind === 'unknown') {
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
      }
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
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private lane(address: CallAddress): CallLane {
    const key = `${address.participant}\u0000${address.baseUrl}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      const transport: BatchTransport = {
        single: (call) => this.send({ ...address, action: call.action }, call),
        batch: (raw) => this.sendBatch(address, raw),
      };
      lane = new CallLane(transport);
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private async send(address: CallAddress, call: QueuedCall): Promise<SentCall> {
    const timeoutMs = this.config.callTimeoutMs;
    try {
      const deadline = call.deadlineMs === undefined ? '' : String(call.deadlineMs);
      // The signature covers /tcc/{A}/{phase} whatever path prefix the base URL has.
      const response = await this.post(
        address,
        `/tcc/${address.action}/${call.phase}`,
        Buffer.from(JSON.stringify(call.body)),
        deadline,
        call.traceparent,
      );
      const status = response.statusCode;
      return { outcome: classifyResponse(status, await readBounded(response.body)), status };
    } catch (error) {
      return { outcome: classifyFailure(error, timeoutMs), status: null };
    }
  }

  private async sendBatch(
    address: CallAddress,
    raw: Buffer,
  ): Promise<{ status: number; text: string } | { failed: CallOutcome }> {
    try {
      const response = await this.post(address, PHASE_BATCH_PATH, raw, '');
      // One result per item: a batch's answer may be larger than a single call's.
      return {
        status: response.statusCode,
        text: await readBounded(response.body, MAX_BATCH_ANSWER_BYTES),
      };
    } catch (error) {
      return { failed: classifyFailure(error, this.config.callTimeoutMs) };
    }
  }

  /**
   * One signed POST of `raw` to `signedPath` under `baseUrl`, bounded by
   * TCC_CALL_TIMEOUT_MS. `traceparent` is outside the signature: it only
   * joins the participant's spans to the call's trace.
   */
  private post(
    address: CallAddress,
    signedPath: string,
    raw: Buffer,
    deadline: string,
    traceparent?: string,
  ) {
    const timeoutMs = this.config.callTimeoutMs;
    const base = new URL(address.baseUrl);
    const timestamp = String(Date.now());
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signCall(signingSecretsOf(this.config.secrets, address.participant)[0], {
        timestamp,
        method: 'POST',
        path: signedPath,
        deadline,
        body: raw,
      }),
    };
    if (deadline) headers[DEADLINE_HEADER] = deadline;
    if (traceparent) headers[TRACEPARENT_HEADER] = traceparent;
    return this.pool(base.origin).request({
      method: 'POST',
      path: `${base.pathname.replace(/\/+$/, '')}${signedPath}`,
      headers,
      body: raw,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
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
