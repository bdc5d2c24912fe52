import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { MAX_AMOUNT } from '@app/protocol';
import { SKU, SKU_MESSAGE } from '../stock/sku';

/** Payload of the `reserve` action: `{sku, quantity, orderId?}`. */
export class ReservePayload {
  @IsString()
  @Matches(SKU, { message: `sku ${SKU_MESSAGE}` })
  sku: string;

  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT)
  quantity: number;

  @IsOptional()
  @IsString()
  @Matches(SKU, { message: `orderId ${SKU_MESSAGE}` })
  orderId?: string;
}
