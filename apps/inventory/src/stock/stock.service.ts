import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorCode, TccError } from '@app/protocol';
import { StockView, addStock, createSku, findStock } from './stock.repository';

/** Seeding and reading stock outside any TCC transaction. */
@Injectable()
export class StockService {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates a SKU; seeding never overwrites, so an existing SKU is a 409. */
  async create(sku: string, available: number): Promise<StockView> {
    const created = await createSku(this.dataSource.manager, sku, available);
    if (!created) throw new TccError(ErrorCode.AlreadyExists, `SKU ${sku} already exists.`);
    return created;
  }

  /** Adds available units through a guarded UPDATE. */
  async restock(sku: string, quantity: number): Promise<StockView> {
    const restocked = await addStock(this.dataSource.manager, sku, quantity);
    if (restocked) return restocked;
    if (!(await findStock(this.dataSource.manager, sku))) throw notFound(sku);
    throw new TccError(
      ErrorCode.Conflict,
      `Adding ${quantity} units would take SKU ${sku} past 2^53-1 units in total.`,
    );
  }

  async get(sku: string): Promise<StockView> {
    const stock = await findStock(this.dataSource.manager, sku);
    if (!stock) throw notFound(sku);
    return stock;
  }
}

function notFound(sku: string): TccError {
  return new TccError(ErrorCode.NotFound, `SKU ${sku} does not exist.`);
}
