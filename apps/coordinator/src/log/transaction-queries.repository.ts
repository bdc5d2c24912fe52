import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionStatus } from '@app/protocol';
import { LogClock } from './log-clock';
import type { BranchRecord, TransactionRecord } from '../domain/records';
import { branchColumns, transactionColumns } from './columns';
import { runSql } from '@app/database';
import { idPrefixRange } from './id-prefix';

/** One logged event. */
export interface EventRecord {
  at: Date;
  type: string;
  branchId: string | null;
  detail: Record<string, unknown> | null;
}

/** A transaction as its view shows it: the row, its branches, its latest events and their total. */
export interface TransactionWithHistory {
  record: TransactionRecord;
  branches: BranchRecord[];
  events: EventRecord[];
  total: number;
}

/** Position in the newest-first list: `created_at` in epoch microseconds, then id. */
export interface ListKey {
  createdMicros: string;
  id: string;
}

/** Filters of the transaction list. */
export interface ListFilter {
  status?: TransactionStatus;
  stuck?: boolean;
  participant?: string;
  /** Created at or after. */
  from?: Date;
  /** Created at or before (within the same millisecond). */
  to?: Date;
  /** The start of a transaction id (a whole id included), or exactly an idempotency key. */
  q?: string;
}

/** Read-only queries behind the API's transaction views. */
@Injectable()
export class TransactionQueries {
  constructor(private readonly clock: LogClock) {}

  /**
   * A transaction with its branches, its latest `limit` events (oldest
   * first) and how many events it has in all, in one round trip; null when
   * no such id is logged.
   */
  async findView(
    manager: EntityManager,
    id: string,
    limit: number,
  ): Promise<TransactionWithHistory | null> {
    const { rows } = await runSql<
      TransactionRecord & {
        branches: BranchRecord[];
        events: (Omit<EventRecord, 'at'> & { at: string })[];
        eventCount: number;
      }
    >(
      manager,
      `SELECT ${transactionColumns(this.clock.now, 't')},
         (SELECT COALESCE(json_agg(json_build_object(
             'id', b.id, 'transactionId', b.transaction_id, 'position', b.position,
             'participant', b.participant, 'action', b.action, 'payload', b.payload,
             'status', b.status, 'attempts', b.attempts, 'lastError', b.last_error,
             'idempotencyKey', b.idempotency_key) ORDER BY b.position), '[]'::json)
          FROM branches b WHERE b.transaction_id = t.id) AS branches,
         (SELECT COALESCE(json_agg(json_build_object(
             'at', e.at, 'type', e.type, 'branchId', e.branch_id, 'detail', e.detail)
             ORDER BY e.id), '[]'::json)
          FROM (SELECT * FROM events WHERE transaction_id = t.id ORDER BY id DESC LIMIT $2) e)
           AS events,
         (SELECT count(*)::int FROM events WHERE transaction_id = t.id) AS "eventCount"
       FROM transactions t WHERE t.id = $1`,
      [id, limit],
    );
    const row = rows[0];
    if (!row) return null;
    const { branches, events, eventCount, ...record } = row;
    return {
      record,
      branches,
      // JSON carries timestamps as text; the API shows them as Dates would.
      events: events.map((event) => ({ ...event, at: new Date(event.at) })),
      total: eventCount,
    };
  }

  /**
   * One page of the list, newest first, strictly after `after`. Keyset
   * paging on (created_at, id): stable under inserts, and each page is an
   * index range scan however deep the client pages.
   */
  async listPage(
    manager: EntityManager,
    filter: ListFilter,
    after: ListKey | null,
    limit: number,
  ): Promise<(TransactionRecord & ListKey)[]> {
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const where: string[] = [];
    if (filter.status) where.push(`t.status = ${param(filter.status)}`);
    if (filter.stuck === true) {
      where.push(
        `t.stuck AND NOT t.resolved AND t.status IN ('${TransactionStatus.Confirming}', '${TransactionStatus.Cancelling}')`,
      );
    }
    if (filter.stuck === false) where.push(`NOT t.stuck`);
    if (filter.participant) {
      where.push(
        `EXISTS (SELECT 1 FROM branches b WHERE b.transaction_id = t.id AND b.participant = ${param(filter.participant)})`,
      );
    }
    if (filter.from) where.push(`t.created_at >= ${param(filter.from)}`);
    // The log keeps microseconds, the API shows milliseconds: `to` covers its whole millisecond,
    // so a createdAt read from the API and passed back as `to` includes that transaction.
    if (filter.to) {
      where.push(`t.created_at < ${param(filter.to)}::timestamptz + interval '1 millisecond'`);
    }
    if (filter.q !== undefined) {
      // An id prefix is a range of the primary key, a key one entry of its unique index.
      const ids = idPrefixRange(filter.q);
      const key = `t.idempotency_key = ${param(filter.q)}`;
      where.push(
        ids
          ? `(t.id BETWEEN ${param(ids.first)}::uuid AND ${param(ids.last)}::uuid OR ${key})`
          : key,
      );
    }
    if (after) {
      where.push(
        `(t.created_at, t.id) < (to_timestamp(0) + ${param(after.createdMicros)}::int8 * interval '1 microsecond', ${param(after.id)}::uuid)`,
      );
    }
    const { rows } = await runSql<TransactionRecord & ListKey>(
      manager,
      `SELECT ${transactionColumns(this.clock.now, 't')},
         (extract(epoch FROM t.created_at) * 1000000)::int8::text AS "createdMicros"
       FROM transactions t
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY t.created_at DESC, t.id DESC
       LIMIT ${param(limit)}`,
      params,
    );
    return rows;
  }

  /** Branches of several transactions, grouped by the caller. */
  async findBranchesOf(manager: EntityManager, transactionIds: string[]): Promise<BranchRecord[]> {
    if (transactionIds.length === 0) return [];
    const { rows } = await runSql<BranchRecord>(
      manager,
      `SELECT ${branchColumns()} FROM branches WHERE transaction_id = ANY($1::uuid[])
       ORDER BY transaction_id, position`,
      [transactionIds],
    );
    return rows;
  }
}
