import { Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { AdminOnly } from '@app/http';
import { AccountIdParams, AccountView, OpenAccountBody } from './account.dto';
import { AccountsService } from './accounts.service';

/** Seeding (admin token) and reading (API key) accounts. */
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @AdminOnly()
  @Put(':id')
  @HttpCode(201)
  open(@Param() params: AccountIdParams, @Body() body: OpenAccountBody): Promise<AccountView> {
    return this.accounts.open(params.id, body.balance);
  }

  @Get(':id')
  get(@Param() params: AccountIdParams): Promise<AccountView> {
    return this.accounts.get(params.id);
  }
}
