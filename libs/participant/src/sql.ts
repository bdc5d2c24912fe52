import { runPrepared } from '@app/database/prepared';

/**
 * Runs one parameterised statement on the manager's transaction (prepared
 * once per connection) and returns its rows and row count, the same way for
 * every command: the participant SDK's name for {@link runPrepared}.
 */
export const runSql = runPrepared;
