import { DynamicModule, FactoryProvider, Module, ModuleMetadata } from '@nestjs/common';
import { PARTICIPANT_OPTIONS, ParticipantOptions } from './options';
import { PhaseController } from './phase.controller';
import { PhaseService } from './phase.service';
import { ParticipantRegistrar } from './registrar';
import { ParticipantRetention } from './retention';
import { SignatureGuard } from './signature.guard';
import { TryBatcher } from './try-batcher';

/** How an app supplies {@link ParticipantOptions}, usually from its parsed config and its DataSource. */
export interface ParticipantModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...args: never[]) => ParticipantOptions | Promise<ParticipantOptions>;
}

/**
 * Participant and action names the coordinator registers (docs/protocol.md names
 * them in paths): checked here so a bad name stops the app at start instead
 * of failing registration forever in the background.
 */
export const PARTICIPANT_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Rejects options that would only fail later, at the first phase call. */
export function checkParticipantOptions(options: ParticipantOptions): ParticipantOptions {
  if (options.signingSecrets.length === 0 || options.signingSecrets.some((s) => s === '')) {
    throw new Error('TccParticipantModule: signingSecrets must hold at least one non-empty secret');
  }
  if (!PARTICIPANT_NAME.test(options.name)) {
    throw new Error(`TccParticipantModule: name "${options.name}" must match ${PARTICIPANT_NAME}`);
  }
  const names = new Set<string>();
  for (const action of options.actions) {
    if (!PARTICIPANT_NAME.test(action.name)) {
      throw new Error(
        `TccParticipantModule: action name "${action.name}" must match ${PARTICIPANT_NAME}`,
      );
    }
    if (names.has(action.name)) {
      throw new Error(`TccParticipantModule: action "${action.name}" is defined twice`);
    }
    names.add(action.name);
    if (action.fence && action.batch) {
      throw new Error(
        `TccParticipantModule: action "${action.name}" has a fence and batch; batched tries cannot be re-routed`,
      );
    }
    if (!action.dataSource && !options.dataSource) {
      throw new Error(
        `TccParticipantModule: action "${action.name}" has no dataSource() and the module has no default dataSource`,
      );
    }
  }
  return options;
}

/** Mounts the signed phase controller (`POST /tcc/:action/:phase`), the registrar and the barrier purge job. */
@Module({})
export class TccParticipantModule {
  static forRootAsync(options: ParticipantModuleAsyncOptions): DynamicModule {
    return {
      module: TccParticipantModule,
      imports: options.imports ?? [],
      controllers: [PhaseController],
      providers: [
        {
          provide: PARTICIPANT_OPTIONS,
          inject: options.inject ?? [],
          useFactory: async (...args: unknown[]) =>
            checkParticipantOptions(await options.useFactory(...(args as never[]))),
        },
        PhaseService,
        TryBatcher,
        SignatureGuard,
        ParticipantRegistrar,
        ParticipantRetention,
      ],
      exports: [ParticipantRegistrar, ParticipantRetention],
    };
  }
}
