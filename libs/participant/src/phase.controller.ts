import { Body, Controller, Headers, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { Public } from '@app/http';
import { DEADLINE_HEADER } from '@app/protocol';
import { PhaseResponse, PhaseService } from './phase.service';
import { SignatureGuard } from './signature.guard';

/** The coordinator's phase calls: no bearer token, a signature instead. */
@Public()
@UseGuards(SignatureGuard)
@Controller('tcc')
export class PhaseController {
  constructor(private readonly phases: PhaseService) {}

  @Post(':action/:phase')
  @HttpCode(200)
  handle(
    @Param('action') action: string,
    @Param('phase') phase: string,
    @Body() body: unknown,
    @Headers(DEADLINE_HEADER) deadline: string | undefined,
  ): Promise<PhaseResponse> {
    return this.phases.handle(action, phase, body, deadline);
  }
}
