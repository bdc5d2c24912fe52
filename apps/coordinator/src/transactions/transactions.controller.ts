import { Body, Controller, Get, Param, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { Response } from 'express';
import { CallerName } from '@app/http';
import { BranchView, TransactionView } from '@app/protocol';
import { ContinueTraceInterceptor, TccAttributes, inSpan } from '@app/tracing';
import {
  AddBranchDocs,
  BeginTransactionDocs,
  CancelDocs,
  ConfirmDocs,
  GetTransactionDocs,
  ListTransactionsDocs,
  TransactionsTag,
} from '../docs/endpoint-docs';
import { CLIENT_CANCEL_REASON } from '../domain/reasons';
import { AddBranch } from './add-branch.service';
import { BeginTransaction } from './begin-transaction.service';
import { DecideTransaction } from './decide-transaction.service';
import { BeginTransactionDto } from './dto/begin-transaction.dto';
import { BranchDto } from './dto/branch.dto';
import { ListTransactionsQuery } from './dto/list-transactions.query';
import { sendBranch, sendTransaction } from './replies';
import { IdempotencyKey, TransactionIdPipe } from './request-params';
import { TransactionReader } from './transaction-reader.service';
import type { TransactionSummary } from './transaction-view';

const tracer = trace.getTracer('coordinator');

/** A `traceparent` header makes every request here part of the caller's trace. */
@TransactionsTag()
@UseInterceptors(ContinueTraceInterceptor)
@Controller('v1/transactions')
export class TransactionsController {
  constructor(
    private readonly begin: BeginTransaction,
    private readonly addBranch: AddBranch,
    private readonly decide: DecideTransaction,
    private readonly reader: TransactionReader,
  ) {}

  @Post()
  @BeginTransactionDocs(BeginTransactionDto)
  async create(
    @Body() dto: BeginTransactionDto,
    @IdempotencyKey() key: string | null,
    @CallerName() caller: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TransactionView> {
    const attributes = {
      [TccAttributes.AutoCommit]: dto.autoCommit ?? true,
      [TccAttributes.BranchCount]: dto.branches.length,
    };
    // The transaction from its begin to the outcome this request reaches.
    return inSpan(tracer, 'tcc.transaction', { attributes }, async (span) => {
      const reply = await this.begin.execute(dto, key, caller);
      span.setAttributes({
        [TccAttributes.TransactionId]: reply.view.id,
        [TccAttributes.TransactionStatus]: reply.view.status,
      });
      return sendTransaction(response, reply);
    });
  }

  @Get()
  @ListTransactionsDocs()
  list(
    @Query() query: ListTransactionsQuery,
  ): Promise<{ items: TransactionSummary[]; nextCursor: string | null }> {
    return this.reader.list(query);
  }

  @Get(':id')
  @GetTransactionDocs()
  get(@Param('id', TransactionIdPipe) id: string): Promise<TransactionView> {
    return this.reader.view(id);
  }

  @Post(':id/branches')
  @AddBranchDocs()
  async branch(
    @Param('id', TransactionIdPipe) id: string,
    @Body() dto: BranchDto,
    @IdempotencyKey() key: string | null,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BranchView> {
    return sendBranch(response, await this.addBranch.execute(id, dto, key));
  }

  @Post(':id/confirm')
  @ConfirmDocs()
  async confirm(
    @Param('id', TransactionIdPipe) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TransactionView> {
    return sendTransaction(response, await this.decide.confirm(id));
  }

  @Post(':id/cancel')
  @CancelDocs()
  async cancel(
    @Param('id', TransactionIdPipe) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TransactionView> {
    return sendTransaction(response, await this.decide.cancel(id, CLIENT_CANCEL_REASON));
  }
}
