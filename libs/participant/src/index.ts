export * from './action';
export * from './options';
export * from './sql';
export * from './barrier.migration';
export * from './retention';
export * from './participant.module';
export { ParticipantRegistrar, registrationDelay } from './registrar';
export type { PhaseResponse } from './phase.service';
