import { Controller, Get } from '@nestjs/common';
import { Public } from '@app/http';
import { HealthService, HealthView } from './health.service';

/** Liveness and readiness for load balancers and `npm start`; no token needed. */
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  check(): Promise<HealthView> {
    return this.health.check();
  }
}
