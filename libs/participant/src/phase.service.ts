import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { ErrorCode, PHASES, Phase, TccError } from '@app/protocol';
import type { PhaseContext, TccAction } from './action';
import { OpeningCheck, runCancel, runConfirm, runTry } from './barrier';
import type { BarrierKey } from './barrier.repository';
import type { BatchAnswer } from './batch-barrier';
import { PARTICIPANT_OPTIONS, ParticipantOptions } from './options';
import { parseDeadline, readEnvelope, readPayload } from './phase-call';
import { TryBatcher, isBatched } from './try-batcher';

/** The 200 answer of a phase call. */
export interface PhaseResponse {
  outcome: string;
  /** True when the call repeated an earlier one and changed nothing. */
  repeated: boolean;
}

/** Most times one phase call is re-routed after its key moved, about ten seconds of moves. */
const MAX_REROUTES = 500;

/** Thrown by a fence's check: the phase's key is not (or not yet) in this database. */
class PhaseMisrouted extends Error {
  constructor(readonly retryAfterMs: number) {
    super('The phase reached a database its key has left');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one phase call: finds the action, validates the call, runs the barrier with the business code. */
@Injectable()
export class PhaseService {
  private readonly actions: ReadonlyMap<string, TccAction<object>>;

  constructor(
    @Inject(PARTICIPANT_OPTIONS) private readonly options: ParticipantOptions,
    private readonly batcher: TryBatcher,
  ) {
    this.actions = new Map(options.actions.map((action) => [action.name, action]));
  }

  async handle(
    actionName: string,
    phaseName: string,
    body: unknown,
    deadlineHeader: string | undefined,
  ): Promise<PhaseResponse> {
    const action = this.actions.get(actionName);
    if (!action) {
      throw new TccError(404, ErrorCode.UnknownAction, `No action named "${actionName}".`);
    }
    const phase = PHASES.find((p) => p === phaseName);
    if (!phase) {
      throw new TccError(404, ErrorCode.NotFound, `No phase named "${phaseName}".`);
    }
    const deadline = phase === 'try' ? parseDeadline(deadlineHeader) : null;
    const envelope = await readEnvelope(body);
    const key: BarrierKey = { transactionId: envelope.transactionId, branchId: envelope.branchId };
    const payload = await readPayload(action.payload, envelope.payload);
    if ('error' in payload) return this.answerInvalidPayload(phase, payload.error);

    const context = (manager: EntityManager): PhaseContext<object> => ({
      manager,
      payload: payload.value,
      ...key,
    });
    const call = { key, payload: payload.value, deadline };
    for (let reroutes = 0; ; reroutes++) {
      const dataSource = await this.dataSourceFor(action, payload.value);
      try {
        return respond(
          await this.runPhase(phase, action, dataSource, call, context, fenceOf(action, call)),
        );
      } catch (error) {
        if (!(error instanceof PhaseMisrouted)) throw error;
        // A 500: the coordinator asks again later, when the move has settled.
        if (reroutes >= MAX_REROUTES)
          throw new Error(`${action.name} ${phase}: its key keeps moving`);
        if (error.retryAfterMs > 0) await sleep(error.retryAfterMs);
      }
    }
  }

  private runPhase(
    phase: Phase,
    action: TccAction<object>,
    dataSource: DataSource,
    call: { key: BarrierKey; payload: object; deadline: number | null },
    context: (manager: EntityManager) => PhaseContext<object>,
    fence: OpeningCheck | undefined,
  ): Promise<BatchAnswer> {
    const { key, deadline } = call;
    switch (phase) {
      case 'try':
        if (isBatched(action) && this.options.batchTries !== false) {
          return this.batcher.submit(dataSource, action, {
            key,
            payload: call.payload,
            deadlineMs: deadline,
          });
        }
        return runTry(dataSource, key, deadline, Date.now(), (m) => action.try(context(m)), fence);
      case 'confirm':
        return runConfirm(dataSource, key, (m) => action.confirm(context(m)), fence);
      case 'cancel':
        return runCancel(dataSource, key, (m) => action.cancel(context(m)), fence);
    }
  }

  /**
   * A try with an invalid payload is refused with 400 and never runs, so
   * nothing can be held for that payload: its cancel is done (200) without a
   * barrier row, and its confirm has no successful try to apply (409).
   */
  private answerInvalidPayload(phase: Phase, error: TccError): PhaseResponse {
    switch (phase) {
      case 'try':
        throw error;
      case 'confirm':
        throw new TccError(
          409,
          ErrorCode.NoSuccessfulTry,
          `The payload is invalid, so no try can have succeeded: ${error.message}`,
        );
      case 'cancel':
        return { outcome: 'cancelled', repeated: false };
    }
  }

  private dataSourceFor(
    action: TccAction<object>,
    payload: object,
  ): DataSource | Promise<DataSource> {
    if (action.dataSource) return action.dataSource(payload);
    if (this.options.dataSource) return this.options.dataSource;
    throw new Error(`Action "${action.name}" has no dataSource and the module has no default.`);
  }
}

/** The action's fence as the barrier's opening check, which throws {@link PhaseMisrouted}. */
function fenceOf(action: TccAction<object>, call: { payload: object }): OpeningCheck | undefined {
  const fence = action.fence;
  if (fence === undefined) return undefined;
  return {
    statements: fence.statements(call.payload),
    check(results) {
      const retryAfterMs = fence.misrouted(call.payload, results);
      if (retryAfterMs !== null) throw new PhaseMisrouted(retryAfterMs);
    },
  };
}

function respond(answer: BatchAnswer): PhaseResponse {
  switch (answer.kind) {
    case 'done':
      return { outcome: answer.outcome, repeated: answer.repeated };
    case 'refused':
      throw new TccError(409, answer.code, answer.detail);
    case 'failed':
      // Only this try failed; a 500 leaves its outcome unknown, so the coordinator asks again.
      throw new Error(answer.message);
  }
}
