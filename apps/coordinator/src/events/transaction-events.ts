import { Injectable, Logger } from '@nestjs/common';
import type { Phase, TransactionStatus } from '@app/protocol';
import type { CallOutcome } from '../domain/call-outcome';

/** What the coordinator reports while it works; every member is optional. */
export interface TransactionObserver {
  /** A transaction was logged (a replayed idempotent request starts none). */
  transactionStarted?(event: { id: string; caller: string }): void;
  /** A transaction reached CONFIRMED or CANCELLED. */
  transactionFinished?(event: { id: string; status: TransactionStatus }): void;
  /** One round of a phase over a transaction's branches ended. */
  phaseCompleted?(event: { id: string; phase: Phase; durationMs: number }): void;
  /** Recovery or an operator ran phase 2 again. */
  phaseTwoRetried?(event: { id: string; status: TransactionStatus; attempts: number }): void;
  /** A transaction became stuck: one branch failed phase 2 `attempts` times, last with `lastError`. */
  transactionStuck?(event: {
    id: string;
    status: TransactionStatus;
    attempts: number;
    lastError: string;
  }): void;
  /** A person resolved an unfinished transaction by hand; it keeps its status. */
  transactionResolved?(event: { id: string; status: TransactionStatus }): void;
  /** One call to a participant returned or failed. */
  participantCalled?(event: {
    participant: string;
    action: string;
    phase: Phase;
    transactionId: string;
    branchId: string;
    outcome: CallOutcome['kind'];
    /** The HTTP status answered, null when there was no answer. */
    status: number | null;
    durationMs: number;
  }): void;
  /** A recovery pass began. */
  recoveryPassStarted?(event: { at: number }): void;
  /** A recovery pass ended without failing; `claimed` transactions were worked on. */
  recoveryPassCompleted?(event: { at: number; durationMs: number; claimed: number }): void;
}

type Notification = {
  [K in keyof TransactionObserver]-?: Parameters<NonNullable<TransactionObserver[K]>>[0];
};

/**
 * The seam where outcomes, phase durations, retries and participant call
 * latency can be observed (metrics, logs) without touching the TCC logic.
 * Observers run synchronously and must be cheap; one that throws is logged
 * and never disturbs a transaction.
 */
@Injectable()
export class TransactionEvents {
  private readonly logger = new Logger(TransactionEvents.name);
  private readonly observers = new Set<TransactionObserver>();

  /** Adds an observer; the returned function removes it. */
  subscribe(observer: TransactionObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Tells every observer. */
  emit<K extends keyof Notification>(name: K, event: Notification[K]): void {
    for (const observer of this.observers) {
      try {
        (observer[name] as ((event: Notification[K]) => void) | undefined)?.call(observer, event);
      } catch (error) {
        this.logger.warn(`Observer ${name} failed: ${String(error)}`);
      }
    }
  }
}
