import { Matches } from 'class-validator';
import { IsIntegerBetween } from '@app/http';
import { MAX_AMOUNT } from '@app/protocol';
import { SKU, SKU_MESSAGE } from './sku';

/** The `:sku` of `/stock/:sku`. */
export class SkuParams {
  @Matches(SKU, { message: `sku ${SKU_MESSAGE}` })
  sku: string;
}

/** Body of `PUT /stock/:sku`: the units available when the SKU is created. */
export class CreateStockBody {
  @IsIntegerBetween(0, MAX_AMOUNT)
  available: number;
}

/** Body of `POST /stock/:sku/restock`: the units to add. */
export class RestockBody {
  @IsIntegerBetween(1, MAX_AMOUNT)
  quantity: number;
}
