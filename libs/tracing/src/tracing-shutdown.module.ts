import { Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { stopTracing } from './start';

/** Exports the spans still buffered when the app stops, after its last requests. */
@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}

@Module({ providers: [TracingShutdown] })
export class TracingShutdownModule {}
