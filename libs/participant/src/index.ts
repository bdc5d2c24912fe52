export * from './action';
export * from './options';
export { runSql, type SqlResult } from '@app/database/prepared';
export * from './barrier.migration';
export * from './retention';
export * from './participant.module';
export { ParticipantRegistrar, registrationDelay } from './registrar';
export type { PhaseResponse } from './phase.service';
