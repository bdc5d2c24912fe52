import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { Response } from 'express';
import { CallerName } from '@app/http';
import { BranchView, TransactionPage, TransactionView } from '@app/protocol';
import {
  TRACEPARENT_HEADER,
  TccAttributes,
  continuedFrom,
  inSpan,
  withContext,
} from '@app/tracing';
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

const tracer = trace.getTracer('coordinator');

/** A `traceparent` header makes the spans of a request that changes a transaction part of the caller's trace. */
@TransactionsTag()
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
    @Headers(TRACEPARENT_HEADER) traceparent: string | undefined,
  ): Promise<TransactionView> {
    const options = {
      parent: continuedFrom({ traceparent }),
      attributes: {
        [TccAttributes.AutoCommit]: dto.autoCommit ?? true,
        [TccAttributes.BranchCount]: dto.branches.length,
      },
    };
    // The transaction from its begin to the outcome this request reaches.
    return inSpan(tracer, 'tcc.transaction', options, async (span) => {
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
  list(@Query() query: ListTransactionsQuery): Promise<TransactionPage> {
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
    @Headers(TRACEPARENT_HEADER) traceparent: string | undefined,
  ): Promise<BranchView> {
    const added = await withContext(continuedFrom({ traceparent }), () =>
      this.addBranch.execute(id, dto, key),
    );
    return sendBranch(response, added);
  }

  @Post(':id/confirm')
  @ConfirmDocs()
  async confirm(
    @Param('id', TransactionIdPipe) id: string,
    @Res({ passthrough: true }) response: Response,
    @Headers(TRACEPARENT_HEADER) traceparent: string | undefined,
  ): Promise<TransactionView> {
    const decided = await withContext(continuedFrom({ traceparent }), () =>
      this.decide.confirm(id),
    );
    return sendTransaction(response, decided);
  }

  @Post(':id/cancel')
  @CancelDocs()
  async cancel(
    @Param('id', TransactionIdPipe) id: string,
    @Res({ passthrough: true }) response: Response,
    @Headers(TRACEPARENT_HEADER) traceparent: string | undefined,
  ): Promise<TransactionView> {
    const decided = await withContext(continuedFrom({ traceparent }), () =>
      this.decide.cancel(id, CLIENT_CANCEL_REASON),
    );
    return sendTransaction(response, decided);
  }
}
