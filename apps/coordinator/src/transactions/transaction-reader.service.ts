import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { ErrorCode, TccError, TransactionPage, TransactionView } from '@app/protocol';
import type { BranchRecord } from '../domain/records';
import { ListFilter, TransactionQueries } from '../log/transaction-queries.repository';
import { decodeCursor, encodeCursor } from './cursor';
import { ListTransactionsQuery } from './dto/list-transactions.query';
import type { TransactionReply } from './replies';
import { httpStatusFor, toSummary, toTransactionView } from './transaction-view';

/** How many events a transaction view shows; older ones are only counted. */
export const EVENTS_SHOWN = 200;
const DEFAULT_PAGE = 50;

/** Reads transactions for the API: one view, or a page of the newest-first list. */
@Injectable()
export class TransactionReader {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly queries: TransactionQueries,
  ) {}

  /** The transaction with its branches and latest events; 404 when unknown. */
  async view(id: string): Promise<TransactionView> {
    const found = await this.queries.findView(this.manager, id, EVENTS_SHOWN);
    if (!found) throw notFound(id);
    const { record, branches, events, total } = found;
    return toTransactionView(record, branches, events, Math.max(0, total - events.length));
  }

  /**
   * The answer of a use case that drove transaction `id`: the view read
   * now, since recovery may have moved it on meanwhile, and the status code
   * that view calls for.
   */
  async reply(id: string, autoCommit = true, replayed = false): Promise<TransactionReply> {
    const view = await this.view(id);
    return { httpStatus: httpStatusFor(view, autoCommit), view, replayed };
  }

  /** One page, newest first, with the cursor of the next page. */
  async list(query: ListTransactionsQuery): Promise<TransactionPage> {
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) {
      throw new TccError(ErrorCode.ValidationFailed, 'cursor is not a cursor of this list.', {
        errors: [{ field: 'cursor', messages: ['cursor is not a cursor of this list'] }],
      });
    }
    const limit = query.limit ?? DEFAULT_PAGE;
    const filter: ListFilter = {
      status: query.status,
      stuck: query.stuck,
      participant: query.participant,
      from: query.from === undefined ? undefined : instant('from', query.from),
      to: query.to === undefined ? undefined : instant('to', query.to),
      q: query.q,
    };
    if (filter.from && filter.to && filter.from > filter.to) {
      throw new TccError(ErrorCode.ValidationFailed, 'from must not be later than to.', {
        errors: [{ field: 'from', messages: ['from must not be later than to'] }],
      });
    }
    // One row more than asked tells whether a next page exists without a count.
    const rows = await this.queries.listPage(this.manager, filter, after, limit + 1);
    const page = rows.slice(0, limit);
    const branchesOf = new Map<string, BranchRecord[]>();
    for (const branch of await this.queries.findBranchesOf(
      this.manager,
      page.map((row) => row.id),
    )) {
      branchesOf.set(branch.transactionId, [
        ...(branchesOf.get(branch.transactionId) ?? []),
        branch,
      ]);
    }
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toSummary(row, branchesOf.get(row.id) ?? [])),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }
}

/** A validated ISO 8601 value as a Date; week and ordinal dates pass the DTO but name no instant here. */
function instant(field: string, value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new TccError(ErrorCode.ValidationFailed, `${field} must be an ISO 8601 date-time.`, {
      errors: [{ field, messages: [`${field} must be an ISO 8601 date-time`] }],
    });
  }
  return date;
}

/** The 404 of an unknown transaction id. */
export function notFound(id: string): TccError {
  return new TccError(ErrorCode.NotFound, `No transaction ${id}.`);
}
