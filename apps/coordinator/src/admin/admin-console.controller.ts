import { Controller, Get, HttpCode } from '@nestjs/common';
import { AdminOnly } from '@app/http';
import { AdminTag, SessionDocs, StatsDocs } from '../docs/endpoint-docs';
import { AdminStats, AdminStatsService } from './admin-stats.service';

/** What the admin UI reads besides transactions: whether its token works, and the overview. */
@AdminOnly()
@AdminTag()
@Controller('v1/admin')
export class AdminConsoleController {
  constructor(private readonly stats: AdminStatsService) {}

  /** 204 for the admin token; the guard answers 401 or 403 for anything else. */
  @Get('session')
  @HttpCode(204)
  @SessionDocs()
  session(): void {}

  @Get('stats')
  @StatsDocs()
  overview(): Promise<AdminStats> {
    return this.stats.stats();
  }
}
