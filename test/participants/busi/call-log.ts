import { Injectable } from '@nestjs/common';
import type { Phase } from '@app/protocol';
import type { FaultAction } from './faults';

/** One phase call as the test participant saw it. */
export interface CallRecord {
  seq: number;
  phase: Phase;
  transactionId: string;
  branchId: string;
  fault: FaultAction['kind'];
  /** HTTP status of the answer, null while the call is still running (a hanging call). */
  status: number | null;
  receivedAt: string;
  answeredAt: string | null;
}

/** Bounded, so a long load test cannot grow the process without limit. */
const MAX_RECORDS = 200_000;

/**
 * Every phase call the participant received and how it answered, so tests
 * can see that a late try was refused or that a resolved transaction is no
 * longer called. Kept in memory: a restart starts a new log.
 */
@Injectable()
export class CallLog {
  private readonly records: CallRecord[] = [];
  private seq = 0;

  /** Notes a call on arrival; the returned function records its answer. */
  received(
    call: Pick<CallRecord, 'phase' | 'transactionId' | 'branchId' | 'fault'>,
  ): (status: number) => void {
    const record: CallRecord = {
      ...call,
      seq: ++this.seq,
      status: null,
      receivedAt: new Date().toISOString(),
      answeredAt: null,
    };
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records.shift();
    return (status) => {
      record.status = status;
      record.answeredAt = new Date().toISOString();
    };
  }

  /** Calls of one transaction (or all), oldest first. */
  find(transactionId?: string): CallRecord[] {
    return transactionId === undefined
      ? [...this.records]
      : this.records.filter((record) => record.transactionId === transactionId);
  }
}
