import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule, authTokensOf } from '@app/http';
import { postgresOptions } from '@app/database';
import { AdminConsoleController } from './admin/admin-console.controller';
import { AdminStatsService } from './admin/admin-stats.service';
import { AdminController } from './admin/admin.controller';
import { AdminService } from './admin/admin.service';
import { CoordinatorConfigModule } from './config/config.module';
import type { CoordinatorConfig } from './config/coordinator-config';
import { AlertWebhook } from './events/alert-webhook';
import { TransactionEvents } from './events/transaction-events';
import { HealthController } from './health/health.controller';
import { LogAvailability } from './log/log-availability';
import { LogAvailabilityInterceptor } from './log/log-availability.interceptor';
import { RecoveryLiveness } from './health/recovery-liveness';
import { RecoveryHealthIndicator } from './health/recovery.indicator';
import { BranchLog } from './log/branch-log.repository';
import { Leases } from './log/leases.repository';
import { LogClock } from './log/log-clock';
import { LogWrites } from './log/log-writes';
import { LOG_MIGRATIONS } from './log/migrations';
import { OverviewQueries } from './log/overview-queries.repository';
import { ParticipantsRepository } from './log/participants.repository';
import { RetentionRepository } from './log/retention.repository';
import { StatusChanges } from './log/status-changes';
import { TransactionLog } from './log/transaction-log.repository';
import { TransactionQueries } from './log/transaction-queries.repository';
import { ParticipantCallLog } from './logging/participant-call-log';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsObserver } from './metrics/metrics-observer';
import { TccMetrics } from './metrics/tcc-metrics';
import { ParticipantClient } from './participants/participant-client';
import { ParticipantHealth } from './participants/participant-health';
import { BatchCapability } from './participants/batch-capability';
import { ParticipantRegistry } from './participants/participant-registry.service';
import { ParticipantSignatureGuard } from './participants/participant-signature.guard';
import { ParticipantsController } from './participants/participants.controller';
import { RecoveryService } from './recovery/recovery.service';
import { RetentionService } from './recovery/retention.service';
import { GracefulShutdown } from './shutdown';
import { Decider } from './tcc/decider';
import { PhaseTwo } from './tcc/phase-two';
import { TransactionProcessor } from './tcc/transaction-processor';
import { TryPhase } from './tcc/try-phase';
import { AddBranch } from './transactions/add-branch.service';
import { BeginTransaction } from './transactions/begin-transaction.service';
import { DecideTransaction } from './transactions/decide-transaction.service';
import { TransactionReader } from './transactions/transaction-reader.service';
import { TransactionsController } from './transactions/transactions.controller';

/** The coordinator: one module, its parts grouped by folder. */
@Module({})
export class AppModule {
  static forRoot(config: CoordinatorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoordinatorConfigModule.forRoot(config),
        TypeOrmModule.forRoot(
          postgresOptions({
            url: config.databaseUrl,
            entities: [],
            migrations: LOG_MIGRATIONS,
            applicationName: 'tcc-coordinator',
          }),
        ),
        AccessModule.forRoot({
          tokens: authTokensOf(config.secrets),
          rateLimitPerMinute: config.rateLimitPerMinute,
        }),
        ScheduleModule.forRoot(),
        TerminusModule,
      ],
      controllers: [
        TransactionsController,
        ParticipantsController,
        AdminController,
        AdminConsoleController,
        HealthController,
        MetricsController,
      ],
      providers: [
        // log/: the transaction log and its clock
        LogClock,
        LogWrites,
        StatusChanges,
        TransactionLog,
        BranchLog,
        Leases,
        TransactionQueries,
        OverviewQueries,
        ParticipantsRepository,
        RetentionRepository,
        // Answers 503 at once while the log's database is unreachable.
        LogAvailability,
        { provide: APP_INTERCEPTOR, useClass: LogAvailabilityInterceptor },
        // participants/: registry and calls
        ParticipantRegistry,
        ParticipantSignatureGuard,
        ParticipantClient,
        ParticipantHealth,
        BatchCapability,
        // events/: the seam observers listen on
        TransactionEvents,
        // tcc/: phase execution, driven by the processor
        TryPhase,
        Decider,
        PhaseTwo,
        TransactionProcessor,
        // transactions/ and admin/: use cases
        BeginTransaction,
        AddBranch,
        DecideTransaction,
        TransactionReader,
        AdminService,
        AdminStatsService,
        // recovery/
        RecoveryService,
        RetentionService,
        GracefulShutdown,
        // events/, metrics/, health/ and logging/: observers of the coordinator's events
        AlertWebhook,
        TccMetrics,
        MetricsObserver,
        RecoveryLiveness,
        RecoveryHealthIndicator,
        ParticipantCallLog,
      ],
    };
  }
}
