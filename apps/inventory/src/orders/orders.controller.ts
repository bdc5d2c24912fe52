import { Controller, Get, Param } from '@nestjs/common';
import { Matches } from 'class-validator';
import { SKU, SKU_MESSAGE } from '../stock/sku';
import type { OrderView } from './orders.repository';
import { OrdersService } from './orders.service';

/** The `:id` of `/orders/:id`. */
export class OrderIdParams {
  @Matches(SKU, { message: `id ${SKU_MESSAGE}` })
  id: string;
}

/** Reading orders (API key); orders are created only by `reserve` tries. */
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get(':id')
  get(@Param() params: OrderIdParams): Promise<OrderView> {
    return this.orders.get(params.id);
  }
}
