import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AdminOnly } from '@app/http';
import type { TransactionView } from '@app/protocol';
import { AdminCancelDocs, AdminTag, ResolveDocs, RetryDocs } from '../docs/endpoint-docs';
import { sendTransaction } from '../transactions/replies';
import { TransactionIdPipe } from '../transactions/request-params';
import { AdminService } from './admin.service';
import { ResolveTransactionDto } from './dto/resolve-transaction.dto';

@AdminOnly()
@AdminTag()
@Controller('v1/admin/transactions')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post(':id/retry')
  @RetryDocs()
  async retry(
    @Param('id', TransactionIdPipe) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TransactionView> {
    return sendTransaction(response, await this.admin.retry(id));
  }

  @Post(':id/cancel')
  @AdminCancelDocs()
  async cancel(
    @Param('id', TransactionIdPipe) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TransactionView> {
    return sendTransaction(response, await this.admin.cancel(id));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ResolveDocs()
  async resolve(
    @Param('id', TransactionIdPipe) id: string,
    @Body() dto: ResolveTransactionDto,
  ): Promise<TransactionView> {
    return (await this.admin.resolve(id, dto.note)).view;
  }
}
