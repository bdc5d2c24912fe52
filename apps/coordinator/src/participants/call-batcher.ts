import {
  MAX_BATCH_ITEMS,
  Phase,
  PhaseBatchItem,
  PhaseBatchResult,
  PhaseCallBody,
} from '@app/protocol';
import { CallOutcome, classifyResponse } from '../domain/call-outcome';

/** Most items one batch carries: below the participant's limit, so one batch stays short. */
export const MAX_CALLS_PER_BATCH = Math.min(32, MAX_BATCH_ITEMS);

/** Most batches in flight to one participant; calls arriving meanwhile form the next batches. */
export const MAX_BATCHES_IN_FLIGHT = 4;

/** Most body bytes of one batch, below the participants' 256 KiB request limit. */
export const MAX_BATCH_BYTES = 192 * 1024;

/** One call's answer: its outcome and the HTTP status it came with (null without an answer). */
export interface SentCall {
  outcome: CallOutcome;
  status: number | null;
}

/** One phase call as it waits for a batch. */
export interface QueuedCall {
  action: string;
  phase: Phase;
  body: PhaseCallBody;
  deadlineMs?: number;
  /** The call span's W3C `traceparent`, sent with the call; absent when tracing is off. */
  traceparent?: string;
}

/** How a lane sends: one call alone, or several in one request to {@link PHASE_BATCH_PATH}. */
export interface BatchTransport {
  single(call: QueuedCall): Promise<SentCall>;
  /** The raw answer of `POST /tcc/batch`, or the outcome every item gets when there is none usable. */
  batch(raw: Buffer): Promise<{ status: number; text: string } | { failed: CallOutcome }>;
}

interface Waiting {
  call: QueuedCall;
  bytes: Buffer;
  resolve(sent: SentCall): void;
}

/**
 * The calls to one participant: natural batching. A call goes out at once
 * while fewer than {@link MAX_BATCHES_IN_FLIGHT} requests are in flight;
 * calls that arrive while all are busy queue, and the next free slot takes
 * what has queued as one batch. So a lone call never waits (and goes to the
 * single-call endpoint), and batches grow only as deep as the load.
 */
export class CallLane {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;

  constructor(private readonly transport: BatchTransport) {}

  /** Sends `call` in the next request to this participant; never rejects. */
  submit(call: QueuedCall): Promise<SentCall> {
    const item: PhaseBatchItem = {
      action: call.action,
      phase: call.phase,
      ...(call.deadlineMs === undefined ? {} : { deadline: call.deadlineMs }),
      // Per item: the items of one batch belong to different transactions, so to different traces.
      ...(call.traceparent === undefined ? {} : { traceparent: call.traceparent }),
      body: call.body,
    };
    return new Promise((resolve) => {
      this.queue.push({ call, bytes: Buffer.from(JSON.stringify(item)), resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_BATCHES_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight += 1;
      void this.send(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /** The queued calls that fit in one batch, oldest first; at least one. */
  private take(): Waiting[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < MAX_CALLS_PER_BATCH) {
      bytes += this.queue[count].bytes.length + 1;
      if (count > 0 && bytes > MAX_BATCH_BYTES) break;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async send(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) {
      batch[0].resolve(await this.transport.single(batch[0].call));
      return;
    }
    const raw = Buffer.concat([
      Buffer.from('{"items":['),
      ...batch.flatMap((waiting, index) =>
        index === 0 ? [waiting.bytes] : [Buffer.from(','), waiting.bytes],
      ),
      Buffer.from(']}'),
    ]);
    const answer = await this.transport.batch(raw);
    const outcomes = 'failed' in answer ? null : readResults(answer, batch.length);
    batch.forEach((waiting, index) => {
      if (outcomes === null) {
        const failed: SentCall =
          'failed' in answer
            ? { outcome: answer.failed, status: null }
            : { outcome: classifyResponse(answer.status, answer.text), status: answer.status };
        // A batch without a usable answer leaves every call in it unknown, as a lost single call would.
        waiting.resolve(
          failed.outcome.kind === 'unknown'
            ? failed
            : {
                outcome: { kind: 'unknown', error: describe(failed.outcome) },
                status: failed.status,
              },
        );
      } else {
        waiting.resolve(outcomes[index]);
      }
    });
  }
}

/** The items' outcomes from a 200 batch answer; null when it is not one result per item. */
function readResults(answer: { status: number; text: string }, count: number): SentCall[] | null {
  if (answer.status !== 200) return null;
  let results: unknown;
  try {
    results = (JSON.parse(answer.text) as { results?: unknown }).results;
  } catch {
    return null;
  }
  if (!Array.isArray(results) || results.length !== count) return null;
  const sent: SentCall[] = [];
  for (const result of results as PhaseBatchResult[]) {
    if (typeof result !== 'object' || result === null || !Number.isInteger(result.status)) {
      return null;
    }
    sent.push({
      outcome: classifyResponse(result.status, JSON.stringify(result.body ?? null)),
      status: result.status,
    });
  }
  return sent;
}

function describe(outcome: CallOutcome): string {
  return outcome.kind === 'refused'
    ? `batch answered HTTP ${outcome.status}: ${outcome.detail}`
    : 'batch answer unusable';
}
