import type { DataSource } from 'typeorm';
import type { TccAction } from './action';

/** Options of the participant module. */
export interface ParticipantOptions {
  /** Registered name, e.g. 'inventory'. */
  name: string;
  /** Base URL the coordinator calls back (PUBLIC_URL). */
  publicUrl: string;
  /** Where to register (COORDINATOR_URL). */
  coordinatorUrl: string;
  /** TCC_API_KEY, sent when registering. */
  apiKey: string;
  /**
   * [TCC_SIGNING_SECRET, TCC_SIGNING_SECRET_PREVIOUS?]: the first signs the
   * registration, all verify calls. This participant's own secret when the
   * coordinator holds one per participant, else the shared one.
   */
  signingSecrets: string[];
  actions: TccAction<object>[];
  /** Default database for actions without their own dataSource(). */
  dataSource?: DataSource;
  /** Default true: actions with a `batch` apply their tries in batches per key; false runs each try on its own. */
  batchTries?: boolean;
  /** Default true: declare at registration that `POST /tcc/batch` answers many phase calls at once, so the coordinator may group its calls. */
  batchCalls?: boolean;
  /**
   * Default 50: how long, in ms, a phase answered as part of a batch waits
   * for a row lock before it leaves its group and runs alone (0: no
   * limit). Batched phases of different branches share a local
   * transaction, so they must not hold each other's locks while waiting.
   */
  batchLockWaitMs?: number;
  /** Default true: register at bootstrap, retrying in the background until it succeeds. */
  register?: boolean;
  /** Barrier rows of settled branches older than this many days are purged hourly; unset: no purge job. */
  retentionDays?: number;
  /** Databases whose barrier rows the purge job cleans; default: `[dataSource]`. */
  barrierDataSources?: DataSource[];
}

/** Injection token of the resolved {@link ParticipantOptions}. */
export const PARTICIPANT_OPTIONS = Symbol('PARTICIPANT_OPTIONS');
