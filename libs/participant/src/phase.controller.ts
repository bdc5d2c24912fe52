import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Param,
  Post,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { Public } from '@app/http/auth';
import { ProblemJsonFilter } from '@app/http/problem.filter';
import { DEADLINE_HEADER, PhaseBatchResponse } from '@app/protocol';
import { TRACEPARENT_HEADER } from '@app/tracing/spans';
import { PhaseResponse, PhaseService } from './phase.service';
import { SignatureGuard } from './signature.guard';

/**
 * The coordinator's phase calls: no bearer token, a signature instead. Its own
 * problem+json filter, so an app that installs none still answers 401 and 409
 * the way the coordinator reads them. A `traceparent` header joins the
 * call's spans to the coordinator's trace.
 */
@Public()
@UseGuards(SignatureGuard)
@UseFilters(ProblemJsonFilter)
@Controller('tcc')
export class PhaseController {
  constructor(private readonly phases: PhaseService) {}

  /** Several phase calls in one request (`POST /tcc/batch`), one result per item. */
  @Post('batch')
  @HttpCode(200)
  handleBatch(@Body() body: unknown): Promise<PhaseBatchResponse> {
    return this.phases.handleBatch(body);
  }

  @Post(':action/:phase')
  @HttpCode(200)
  handle(
    @Param('action') action: string,
    @Param('phase') phase: string,
    @Body() body: unknown,
    @Headers(DEADLINE_HEADER) deadline: string | undefined,
    @Headers(TRACEPARENT_HEADER) traceparent: string | undefined,
  ): Promise<PhaseResponse> {
    return this.phases.handle(action, phase, body, deadline, traceparent);
  }
}
