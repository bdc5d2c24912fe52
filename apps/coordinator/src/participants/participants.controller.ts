import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import type { ParticipantView } from '@app/protocol';
import {
  ListParticipantsDocs,
  ParticipantsTag,
  RegisterParticipantDocs,
} from '../docs/endpoint-docs';
import { RegisterParticipantDto } from './dto/register-participant.dto';
import { ParticipantRegistry } from './participant-registry.service';
import { ParticipantSignatureGuard } from './participant-signature.guard';

@ParticipantsTag()
@Controller('v1/participants')
export class ParticipantsController {
  constructor(private readonly registry: ParticipantRegistry) {}

  @Post()
  @HttpCode(200)
  @UseGuards(ParticipantSignatureGuard)
  @RegisterParticipantDocs()
  register(@Body() dto: RegisterParticipantDto): Promise<ParticipantView> {
    return this.registry.register(dto);
  }

  @Get()
  @ListParticipantsDocs()
  list(): Promise<{ items: ParticipantView[] }> {
    return this.registry.list();
  }
}
