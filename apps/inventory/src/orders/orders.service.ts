import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorCode, TccError } from '@app/protocol';
import { OrderView, findOrder } from './orders.repository';

/** Reading orders outside any TCC transaction. */
@Injectable()
export class OrdersService {
  constructor(private readonly dataSource: DataSource) {}

  async get(id: string): Promise<OrderView> {
    const order = await findOrder(this.dataSource.manager, id);
    if (!order) throw new TccError(ErrorCode.NotFound, `Order ${id} does not exist.`);
    return order;
  }
}
