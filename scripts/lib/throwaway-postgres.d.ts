/** An embedded PostgreSQL for one run: its maintenance URL, and how to stop and delete it. */
export interface ThrowawayPostgres {
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres` */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a server in a new temporary directory on a free port; `flags` go to postgres. */
export function startThrowawayPostgres(
  dirPrefix: string,
  flags?: readonly string[],
): Promise<ThrowawayPostgres>;
