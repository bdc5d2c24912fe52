import { IsInt, Matches, Max, Min } from 'class-validator';
import { MAX_AMOUNT } from '@app/protocol';
import { SKU, SKU_MESSAGE } from './sku';

/** The `:sku` of `/stock/:sku`. */
export class SkuParams {
  @Matches(SKU, { message: `sku ${SKU_MESSAGE}` })
  sku: string;
}

/** Body of `PUT /stock/:sku`: the units available when the SKU is created. */
export class CreateStockBody {
  @IsInt()
  @Min(0)
  @Max(MAX_AMOUNT)
  available: number;
}

/** Body of `POST /stock/:sku/restock`: the units to add. */
export class RestockBody {
  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT)
  quantity: number;
}
