import type { Response } from 'express';
import { BranchView, IDEMPOTENT_REPLAYED_HEADER, TccError, TransactionView } from '@app/protocol';

/** What a transaction use case answers: the view and the HTTP status its state calls for. */
export interface TransactionReply {
  httpStatus: 200 | 201 | 202;
  view: TransactionView;
  replayed: boolean;
}

/** What adding a branch answers: the branch, or the problem to throw, and whether it replays. */
export interface BranchReply {
  httpStatus: 200 | 202;
  branch: BranchView;
  replayed: boolean;
  problem?: TccError;
}

/** Applies status, `Location` and `Idempotent-Replayed` of a reply; returns the body. */
export function sendTransaction(response: Response, reply: TransactionReply): TransactionView {
  response.status(reply.httpStatus);
  if (reply.httpStatus !== 200) response.setHeader('Location', `/v1/transactions/${reply.view.id}`);
  if (reply.replayed) response.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  return reply.view;
}

/** Applies a branch reply; a refusal is thrown for the problem filter to render. */
export function sendBranch(response: Response, reply: BranchReply): BranchView {
  if (reply.replayed) response.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  if (reply.problem) throw reply.problem;
  response.status(reply.httpStatus);
  return reply.branch;
}
