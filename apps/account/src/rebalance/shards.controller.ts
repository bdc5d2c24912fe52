import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ArrayNotEmpty, IsArray, IsString } from 'class-validator';
import { AdminOnly } from '@app/http';
import { PlanView, RebalanceView, Rebalancer, ShardsView } from './rebalancer';

/** Body of `POST /admin/shards/rebalance`: the ring to reach, exactly. */
export class RebalanceBody {
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  shards: string[];
}

/** The ring and its rebalancing (admin token). */
@AdminOnly()
@Controller('admin/shards')
export class ShardsController {
  constructor(private readonly rebalancer: Rebalancer) {}

  @Get()
  status(): Promise<ShardsView> {
    return this.rebalancer.status();
  }

  /** What `POST rebalance` with these shards (comma-separated) would move, moving nothing. */
  @Get('plan')
  plan(@Query('shards') shards = ''): Promise<PlanView> {
    return this.rebalancer.plan(shards.split(',').filter((name) => name !== ''));
  }

  @Post('rebalance')
  @HttpCode(202)
  rebalance(@Body() body: RebalanceBody): Promise<RebalanceView> {
    return this.rebalancer.start(body.shards);
  }
}
