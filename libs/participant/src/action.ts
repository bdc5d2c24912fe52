import type { DataSource, EntityManager } from 'typeorm';

/** What one phase's business code receives. */
export interface PhaseContext<P> {
  /** The one local transaction (READ COMMITTED) that also holds the barrier row. */
  manager: EntityManager;
  /** Validated instance of the action's payload class. */
  payload: P;
  transactionId: string;
  branchId: string;
}

/** Thrown by try business code for a business refusal: barrier outcome 'refused', HTTP 409 `{code, detail}`. */
export class BusinessRefusal extends Error {
  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'BusinessRefusal';
  }
}

/** Refuses the try for a business reason (insufficient stock, unknown account, ...). */
export function refuse(code: string, detail: string): never {
  throw new BusinessRefusal(code, detail);
}

/** One TCC action served at `POST /tcc/{name}/{try|confirm|cancel}`. */
export interface TccAction<P extends object> {
  name: string;
  /** class-validator DTO; an invalid payload is answered 400 and try never runs. */
  payload: new () => P;
  /** The database holding this payload's barrier row and business rows (sharding); default: the module's dataSource. */
  dataSource?(payload: P): DataSource;
  /** Records a hold row keyed (transaction_id, branch_id); calls `refuse()` on a business failure. */
  try(ctx: PhaseContext<P>): Promise<void>;
  /** Runs only after an 'ok' try, once: applies the hold found by (transaction_id, branch_id). */
  confirm(ctx: PhaseContext<P>): Promise<void>;
  /** Runs only after an 'ok' try, once: releases that hold. */
  cancel(ctx: PhaseContext<P>): Promise<void>;
}

/** Identity helper that lets TypeScript infer the payload type of an action. */
export function defineAction<P extends object>(action: TccAction<P>): TccAction<P> {
  return action;
}
