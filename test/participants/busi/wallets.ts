import { Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { runSql } from '@app/participant';
import { AdminOnly } from '@app/http';
import { ErrorCode, MAX_AMOUNT, TccError } from '@app/protocol';

/** The `:id` of `/wallets/:id`. */
export class WalletParams {
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/) id: string;
}

/** Body of `PUT /wallets/:id`. */
export class OpenWalletBody {
  @IsInt() @Min(0) @Max(MAX_AMOUNT) available: number;
}

/** A wallet: `available + held + used` is what it was opened with. */
export interface WalletView {
  id: string;
  available: number;
  held: number;
  used: number;
}

interface WalletRow {
  id: string;
  available: string;
  held: string;
  used: string;
}

function toView(row: WalletRow): WalletView {
  return {
    id: row.id,
    available: Number(row.available),
    held: Number(row.held),
    used: Number(row.used),
  };
}

/** Opening (admin token, create-only) and reading wallets. */
@Controller('wallets')
export class WalletsController {
  constructor(private readonly dataSource: DataSource) {}

  @AdminOnly()
  @Put(':id')
  @HttpCode(201)
  async open(@Param() params: WalletParams, @Body() body: OpenWalletBody): Promise<WalletView> {
    const { rows } = await runSql<WalletRow>(
      this.dataSource.manager,
      `INSERT INTO wallets (id, available) VALUES ($1, $2) ON CONFLICT DO NOTHING
       RETURNING id, available, held, used`,
      [params.id, body.available],
    );
    if (!rows[0]) throw new TccError(ErrorCode.AlreadyExists, `Wallet ${params.id} exists.`);
    return toView(rows[0]);
  }

  @Get(':id')
  async get(@Param() params: WalletParams): Promise<WalletView> {
    const { rows } = await runSql<WalletRow>(
      this.dataSource.manager,
      `SELECT id, available, held, used FROM wallets WHERE id = $1`,
      [params.id],
    );
    if (!rows[0]) throw new TccError(ErrorCode.NotFound, `No wallet ${params.id}.`);
    return toView(rows[0]);
  }
}
