import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { AdminOnly } from '@app/http';
import { PHASES, Phase } from '@app/protocol';
import { CallLog, CallRecord } from './call-log';
import { FaultPlan, FaultRule } from './faults';

/** Body of `POST /control`: the fault rule of one phase. */
export class ControlBody extends FaultRule {
  @IsIn(PHASES) phase: Phase;
}

/** Query of `GET /calls`. */
export class CallsQuery {
  @IsOptional() @IsString() transactionId?: string;
}

/** How tests steer the participant (admin token): set faults per phase, read the calls it got. */
@AdminOnly()
@Controller()
export class ControlController {
  constructor(
    private readonly plan: FaultPlan,
    private readonly log: CallLog,
  ) {}

  @Post('control')
  @HttpCode(200)
  control(@Body() body: ControlBody): ReturnType<FaultPlan['describe']> {
    const { phase, ...rule } = body;
    this.plan.set(phase, Object.assign(new FaultRule(), rule));
    return this.plan.describe();
  }

  @Get('calls')
  calls(@Query() query: CallsQuery): { items: CallRecord[] } {
    return { items: this.log.find(query.transactionId) };
  }
}
