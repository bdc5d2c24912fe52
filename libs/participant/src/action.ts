import type { DataSource, EntityManager } from 'typeorm';
import type { SqlResult } from '@app/database/prepared';
import type { Statement } from '@app/database/transaction';
import { BusinessRefusal } from '@app/protocol';

export { BusinessRefusal };

/** What one phase's business code receives. */
export interface PhaseContext<P> {
  /** The one local transaction (READ COMMITTED) that also holds the barrier row. */
  manager: EntityManager;
  /** Validated instance of the action's payload class. */
  payload: P;
  transactionId: string;
  branchId: string;
}

/** Refuses the try for a business reason (insufficient stock, unknown account, ...). */
export function refuse(code: string, detail: string): never {
  throw new BusinessRefusal(code, detail);
}

/** One try of a batch: its barrier row was inserted by this batch and its deadline holds. */
export interface BatchedTry<P> {
  payload: P;
  transactionId: string;
  branchId: string;
}

/** The business answer to one batched try: applied, or refused (barrier outcome 'refused', HTTP 409 `{code, detail}`). */
export type TryVerdict = { ok: true } | { ok: false; code: string; detail: string };

/**
 * How an action applies many concurrent tries of one hot key together (the
 * red-packet technique): tries with the same key wait in one in-process
 * queue, and one worker per key applies them in batches, each batch in one
 * local transaction, so a hot row is limited by batch commits, not by a
 * convoy of row locks. The barrier rows, deadlines and repeats are the
 * SDK's; the action only writes the business SQL of the whole batch.
 */
export interface TryBatching<P> {
  /** Tries with the same key share a queue and a batch: the row they all contend for (a SKU). */
  key(payload: P): string;
  /**
   * Applies `tries`, in arrival order, in the batch's local transaction and
   * answers each. A refused try must leave nothing behind, and nothing may
   * throw for one try's sake (an error rolls back every try of the batch):
   * decide with guarded statements and ON CONFLICT instead.
   */
  tryMany(manager: EntityManager, tries: BatchedTry<P>[]): Promise<TryVerdict[]>;
}

/**
 * Keeps every phase of a branch on the database that holds its key while
 * keys move between databases (resharding). The statements open each
 * phase's local transaction, ahead of the barrier's, so they can lock the
 * key against a concurrent move and see where it is; `misrouted` reads
 * their results. A number rolls the phase back (barrier row included) and
 * runs it again after that many milliseconds, on the database
 * `dataSource()` then names; null lets the phase run here.
 */
export interface PhaseFence<P> {
  statements(payload: P): Statement[];
  misrouted(payload: P, results: readonly SqlResult<unknown>[]): number | null;
}

/** One TCC action served at `POST /tcc/{name}/{try|confirm|cancel}`. */
export interface TccAction<P extends object> {
  name: string;
  /** class-validator DTO; an invalid payload is answered 400 and try never runs. */
  payload: new () => P;
  /** The database holding this payload's barrier row and business rows (sharding); default: the module's dataSource. */
  dataSource?(payload: P): DataSource | Promise<DataSource>;
  /** Optional, with `dataSource()`: re-routes a phase whose key moved to another database; not for actions with `batch`. */
  fence?: PhaseFence<P>;
  /** Records a hold row keyed (transaction_id, branch_id); calls `refuse()` on a business failure. */
  try(ctx: PhaseContext<P>): Promise<void>;
  /** Optional: applies concurrent tries of one key in batches (used unless the module turns batching off). */
  batch?: TryBatching<P>;
  /** Runs only after an 'ok' try, once: applies the hold found by (transaction_id, branch_id). */
  confirm(ctx: PhaseContext<P>): Promise<void>;
  /** Runs only after an 'ok' try, once: releases that hold. */
  cancel(ctx: PhaseContext<P>): Promise<void>;
}

/** Identity helper that lets TypeScript infer the payload type of an action. */
export function defineAction<P extends object>(action: TccAction<P>): TccAction<P> {
  return action;
}
