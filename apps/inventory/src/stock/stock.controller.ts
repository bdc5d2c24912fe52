import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { AdminOnly } from '@app/http';
import { CreateStockBody, RestockBody, SkuParams } from './stock.dto';
import type { StockView } from './stock.repository';
import { StockService } from './stock.service';

/** Seeding (admin token) and reading (API key) stock. */
@Controller('stock')
export class StockController {
  constructor(private readonly stock: StockService) {}

  @AdminOnly()
  @Put(':sku')
  @HttpCode(201)
  create(@Param() params: SkuParams, @Body() body: CreateStockBody): Promise<StockView> {
    return this.stock.create(params.sku, body.available);
  }

  @AdminOnly()
  @Post(':sku/restock')
  @HttpCode(200)
  restock(@Param() params: SkuParams, @Body() body: RestockBody): Promise<StockView> {
    return this.stock.restock(params.sku, body.quantity);
  }

  @Get(':sku')
  get(@Param() params: SkuParams): Promise<StockView> {
    return this.stock.get(params.sku);
  }
}
