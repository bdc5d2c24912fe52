/** Repository root. */
export const ROOT: string;

/** Names of the apps, in start order. */
export type AppName = 'coordinator' | 'inventory' | 'account';

/** One app of the manifest. */
export interface AppSpec {
  name: AppName;
  /** `PORT` when nothing else is said. */
  defaultPort: number;
  /** The variable `npm start` reads the app's port from. */
  portVariable: string;
  /** `DATABASE_URL`, or `ACCOUNT_SHARD_URLS` for the sharded account app. */
  databaseVariable: 'DATABASE_URL' | 'ACCOUNT_SHARD_URLS';
  /** The databases `npm start` creates for it (one per shard for the account app). */
  databases: readonly string[];
  /** Registers with the coordinator and is called back at `PUBLIC_URL`. */
  participant: boolean;
}

/** The apps, in start order (the coordinator first: participants register with it). */
export const APPS: readonly AppSpec[];

/** The manifest entry of one app. */
export function appByName(name: AppName): AppSpec;

/** `<buildDir>/apps/<name>/main.js`; `buildDir` defaults to `dist/`. */
export function entryPoint(name: string, buildDir?: string): string;

/** The value of the app's database variable for one URL per manifest database. */
export function databaseSetting(app: AppSpec, urls: readonly string[]): string;

/** `PORT`, the database variable and, for participants, `COORDINATOR_URL` and `PUBLIC_URL`. */
export function appSettings(
  app: AppSpec,
  settings: {
    port: number;
    databaseUrls: readonly string[];
    coordinatorUrl?: string;
    publicHost?: string;
  },
): Record<string, string>;
