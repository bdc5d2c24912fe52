import { IsOptional, IsString, Matches } from 'class-validator';
import { IsIntegerBetween } from '@app/http';
import { MAX_AMOUNT } from '@app/protocol';
import { SKU, SKU_MESSAGE } from '../stock/sku';

/** Payload of the `reserve` action: `{sku, quantity, orderId?}`. */
export class ReservePayload {
  @IsString()
  @Matches(SKU, { message: `sku ${SKU_MESSAGE}` })
  sku: string;

  @IsIntegerBetween(1, MAX_AMOUNT)
  quantity: number;

  @IsOptional()
  @IsString()
  @Matches(SKU, { message: `orderId ${SKU_MESSAGE}` })
  orderId?: string;
}
