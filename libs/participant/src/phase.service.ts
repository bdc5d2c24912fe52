import { Inject, Injectable, Logger } from '@nestjs/common';
import { ROOT_CONTEXT, Span, SpanKind, context, trace } from '@opentelemetry/api';
import type { DataSource, EntityManager } from 'typeorm';
import { toProblem } from '@app/http/problem.filter';
import {
  BusinessRefusal,
  ErrorCode,
  HTTP_STATUS_OF,
  PHASES,
  Phase,
  PhaseBatchResponse,
  PhaseBatchResult,
  TccError,
} from '@app/protocol';
import { TccAttributes } from '@app/tracing/attributes';
import { continuedFrom, inSpan, withContext } from '@app/tracing/spans';
import type { PhaseContext, TccAction } from './action';
import {
  OpeningCheck,
  PhaseRun,
  cancelRun,
  checkedRun,
  confirmRun,
  runPhase,
  tryRun,
} from './barrier';
import type { BarrierKey } from './barrier.repository';
import type { BatchAnswer } from './batch-barrier';
import { PARTICIPANT_OPTIONS, ParticipantOptions } from './options';
import {
  BatchItem,
  parseDeadline,
  readBatch,
  readBatchItem,
  readEnvelope,
  readPayload,
} from './phase-call';
import { runPhaseGroup } from './phase-group';
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

// Spans through @opentelemetry/api alone: no-ops unless the app registers an SDK.
const tracer = trace.getTracer('@tcc-coordinator/participant');

/** A refusal or an invalid call is the phase's answer, not a failure of its span. */
const isAnswer = (error: unknown): boolean =>
  error instanceof BusinessRefusal ||
  (error instanceof TccError && HTTP_STATUS_OF[error.code] < 500);

/** A phase call that passed every check, ready to run. */
interface ReadyCall {
  phase: Phase;
  action: TccAction<object>;
  dataSource: DataSource;
  key: BarrierKey;
  payload: object;
  deadline: number | null;
}

/** Runs phase calls: finds the action, validates the call, runs the barrier with the business code. */
@Injectable()
export class PhaseService {
  private readonly logger = new Logger('PhaseService');
  private readonly actions: ReadonlyMap<string, TccAction<object>>;

  constructor(
    @Inject(PARTICIPANT_OPTIONS) private readonly options: ParticipantOptions,
    private readonly batcher: TryBatcher,
  ) {
    this.actions = new Map(options.actions.map((action) => [action.name, action]));
  }

  /** One call of `POST /tcc/{action}/{phase}`, as a span of the trace its `traceparent` names. */
  handle(
    actionName: string,
    phaseName: string,
    body: unknown,
    deadlineHeader: string | undefined,
    traceparent?: string,
  ): Promise<PhaseResponse> {
    const options = {
      parent: continuedFrom({ traceparent }),
      kind: SpanKind.SERVER,
      attributes: { [TccAttributes.Action]: actionName, [TccAttributes.Phase]: phaseName },
      answers: isAnswer,
    };
    return inSpan(tracer, 'tcc.phase', options, async (span) => {
      const ready = await this.prepare(actionName, phaseName, body, () =>
        parseDeadline(deadlineHeader),
      );
      if ('answer' in ready) return ready.answer;
      span.setAttributes(keyAttributes(ready.key));
      return respond(noteAnswer(span, await this.run(ready)));
    });
  }

  /**
   * A batch of `POST /tcc/batch`: every item is checked and answered as its
   * single call would be. Tries of actions that batch by key join their
   * key's queue; the other phases share one local transaction per database
   * ({@link runPhaseGroup}), the databases in parallel. The batch is a span
   * of its own, linked to each item's span; an item's span continues the
   * trace of its `traceparent` field.
   */
  async handleBatch(body: unknown): Promise<PhaseBatchResponse> {
    const items = readBatch(body);
    const options = {
      kind: SpanKind.SERVER,
      attributes: { [TccAttributes.BatchSize]: items.length },
    };
    return inSpan(tracer, 'tcc.batch', options, (batch) => this.runBatch(items, batch));
  }

  private async runBatch(items: unknown[], batch: Span): Promise<PhaseBatchResponse> {
    const results = new Array<PhaseBatchResult>(items.length);
    const spans = new Map<number, Span>();
    const groups = new Map<DataSource, { index: number; ready: ReadyCall }[]>();
    const queued: Promise<void>[] = [];
    for (const [index, raw] of items.entries()) {
      let ready: ReadyCall | { answer: PhaseResponse };
      try {
        const item = readBatchItem(raw, index);
        spans.set(index, itemSpan(item, batch));
        ready = await this.prepare(item.action, item.phase, item.body, () => item.deadline);
      } catch (error) {
        results[index] = this.failure(error);
        continue;
      }
      if ('answer' in ready) {
        results[index] = { status: 200, body: ready.answer };
        continue;
      }
      spans.get(index)?.setAttributes(keyAttributes(ready.key));
      if (this.queuesTry(ready)) {
        const span = spans.get(index);
        const inItem = span ? trace.setSpan(context.active(), span) : context.active();
        queued.push(
          withContext(inItem, () => this.run(ready)).then(
            (answer) => void (results[index] = this.result(answer)),
            (error: unknown) => void (results[index] = this.failure(error)),
          ),
        );
      } else {
        const group = groups.get(ready.dataSource) ?? [];
        group.push({ index, ready });
        groups.set(ready.dataSource, group);
      }
    }
    await Promise.all([
      ...queued,
      ...[...groups].map(async ([dataSource, group]) => {
        const answers = await runPhaseGroup(
          dataSource,
          group.map(({ ready }) => ({
            run: () => this.phaseRun(ready),
            alone: () => this.run(ready),
          })),
          this.options.batchLockWaitMs,
        );
        group.forEach((entry, n) => (results[entry.index] = this.result(answers[n])));
      }),
    ]);
    for (const [index, span] of spans) {
      span.setAttribute('http.response.status_code', results[index].status);
      span.end();
    }
    return { results };
  }

  /** Checks a call; an invalid payload of a confirm or cancel is answered here, without the database. */
  private async prepare(
    actionName: string,
    phaseName: string,
    body: unknown,
    deadline: () => number | null,
  ): Promise<ReadyCall | { answer: PhaseResponse }> {
    const action = this.actions.get(actionName);
    if (!action) {
      throw new TccError(ErrorCode.UnknownAction, `No action named "${actionName}".`);
    }
    const phase = PHASES.find((p) => p === phaseName);
    if (!phase) {
      throw new TccError(ErrorCode.NotFound, `No phase named "${phaseName}".`);
    }
    const tryDeadline = phase === 'try' ? deadline() : null;
    const envelope = await readEnvelope(body);
    const key: BarrierKey = { transactionId: envelope.transactionId, branchId: envelope.branchId };
    const payload = await readPayload(action.payload, envelope.payload);
    if ('error' in payload) return { answer: this.answerInvalidPayload(phase, payload.error) };
    return {
      phase,
      action,
      dataSource: await this.dataSourceFor(action, payload.value),
      key,
      payload: payload.value,
      deadline: tryDeadline,
    };
  }

  private queuesTry(call: ReadyCall): boolean {
    return call.phase === 'try' && isBatched(call.action) && this.options.batchTries !== false;
  }

  /**
   * Runs one call in a transaction of its own (or its key's try queue);
   * when its key has moved to another database meanwhile, follows it there.
   */
  private run(call: ReadyCall): Promise<BatchAnswer> {
    const attributes = { [TccAttributes.Phase]: call.phase, ...keyAttributes(call.key) };
    return inSpan(tracer, 'tcc.barrier', { attributes }, async (span) =>
      noteAnswer(span, await this.runBarrier(call)),
    );
  }

  /** {@link run} without its span. */
  private async runBarrier(call: ReadyCall): Promise<BatchAnswer> {
    const { action } = call;
    if (this.queuesTry(call) && isBatched(action)) {
      return this.batcher.submit(call.dataSource, action, {
        key: call.key,
        payload: call.payload,
        deadlineMs: call.deadline,
      });
    }
    let dataSource = call.dataSource;
    for (let reroutes = 0; ; reroutes++) {
      try {
        return await runPhase(dataSource, this.phaseRun(call));
      } catch (error) {
        if (!(error instanceof PhaseMisrouted)) throw error;
        // A 500: the coordinator asks again later, when the move has settled.
        if (reroutes >= MAX_REROUTES) {
          throw new Error(`${action.name} ${call.phase}: its key keeps moving`);
        }
        if (error.retryAfterMs > 0) await sleep(error.retryAfterMs);
        dataSource = await this.dataSourceFor(action, call.payload);
      }
    }
  }

  /** The call's barrier and business code, behind the action's fence when it has one. */
  private phaseRun(call: ReadyCall): PhaseRun {
    return checkedRun(this.barrierRun(call), fenceOf(call.action, call));
  }

  private barrierRun(call: ReadyCall): PhaseRun {
    const { action, key, payload } = call;
    const context = (manager: EntityManager): PhaseContext<object> => ({
      manager,
      payload,
      ...key,
    });
    switch (call.phase) {
      case 'try':
        return tryRun(key, call.deadline, Date.now(), (m) => action.try(context(m)));
      case 'confirm':
        return confirmRun(key, (m) => action.confirm(context(m)));
      case 'cancel':
        return cancelRun(key, (m) => action.cancel(context(m)));
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

  /** A batch item's result: what the single call's answer would have been. */
  private result(answer: BatchAnswer): PhaseBatchResult {
    try {
      return { status: 200, body: respond(answer) };
    } catch (error) {
      return this.failure(error);
    }
  }

  /** A batch item's problem, rendered as the single call's problem+json body; 500s are logged as there. */
  private failure(error: unknown): PhaseBatchResult {
    const body = toProblem(error);
    if (body.status >= 500) this.logger.error(error);
    return { status: body.status, body };
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

function keyAttributes(key: BarrierKey): Record<string, string> {
  return {
    [TccAttributes.TransactionId]: key.transactionId,
    [TccAttributes.BranchId]: key.branchId,
  };
}

/** Puts the barrier's answer on `span`; returns it. */
function noteAnswer(span: Span, answer: BatchAnswer): BatchAnswer {
  if (answer.kind === 'done') {
    span.setAttributes({
      [TccAttributes.Outcome]: answer.outcome,
      [TccAttributes.Repeated]: answer.repeated,
    });
  } else {
    span.setAttribute(TccAttributes.Outcome, answer.kind === 'refused' ? answer.code : 'failed');
  }
  return answer;
}

/** The span of one batch item, in its own trace when it names one, linked from the batch's span. */
function itemSpan(item: BatchItem, batch: Span): Span {
  const parent = item.traceparent
    ? continuedFrom({ traceparent: item.traceparent }, ROOT_CONTEXT)
    : trace.setSpan(context.active(), batch);
  const span = tracer.startSpan(
    'tcc.phase',
    {
      kind: SpanKind.SERVER,
      attributes: { [TccAttributes.Action]: item.action, [TccAttributes.Phase]: item.phase },
    },
    parent,
  );
  if (item.traceparent) batch.addLink({ context: span.spanContext() });
  return span;
}

function respond(answer: BatchAnswer): PhaseResponse {
  switch (answer.kind) {
    case 'done':
      return { outcome: answer.outcome, repeated: answer.repeated };
    case 'refused':
      throw new BusinessRefusal(answer.code, answer.detail);
    case 'failed':
      // Only this try failed; a 500 leaves its outcome unknown, so the coordinator asks again.
      throw new Error(answer.message);
  }
}
