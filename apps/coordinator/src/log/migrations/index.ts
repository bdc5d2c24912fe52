import { CreateLog1732600000000 } from './1732600000000-create-log';

/** Every migration of the coordinator's log, oldest first. */
export const LOG_MIGRATIONS = [CreateLog1732600000000];
