import { Controller, Get, Header } from '@nestjs/common';
import { contentType } from 'prom-client';
import { Public } from '@app/http';
import { MetricsDocs, OperationsTag } from '../docs/endpoint-docs';
import { WithoutLog } from '../log/log-availability.interceptor';
import { TccMetrics } from './tcc-metrics';

/** Prometheus scrape endpoint, open like /health: it shows counts, never ids or payloads. */
@Public()
@WithoutLog()
@OperationsTag()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: TccMetrics) {}

  @Get()
  @MetricsDocs()
  @Header('Content-Type', contentType)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
