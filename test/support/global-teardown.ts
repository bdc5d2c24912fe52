import { globalState } from './global-setup';

/** Stops the embedded PostgreSQL when the global setup had to start one. */
export default async function globalTeardown(): Promise<void> {
  const state = globalState();
  const embedded = state.embedded;
  state.embedded = undefined;
  if (embedded) {
    await embedded.stop();
    delete process.env.TCC_TEST_PG_URL;
  }
}
