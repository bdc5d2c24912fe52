import { Busi, startBusi } from '../../participants/busi-process';
import { startStack, Stack, StackOptions } from '../../support/stack';
import { consistencyViolations, emptyLedger, Ledger, waitForAllFinal } from './consistency';

/** A stack with the test participant, and the ledger its scenarios are checked against. */
export interface FaultStack {
  stack: Stack;
  busi: Busi;
  ledger: Ledger;
  /** Opens a wallet at the test participant and records it in the ledger. */
  openWallet(id: string, available: number): Promise<string>;
  /** Seeds two accounts on different shards with 1000 each, recorded in the ledger. */
  accountPair(prefix: string): Promise<[string, string]>;
  /**
   * Waits until every transaction is final, then expects no consistency
   * violation: holds settled as the log says, money and stock conserved,
   * nothing left held.
   */
  expectConsistent(finalWithinMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the three apps (with `options`) and the test participant. */
export async function startFaultStack(options: StackOptions): Promise<FaultStack> {
  const stack = await startStack(options);
  let busi: Busi;
  try {
    busi = await startBusi(stack, options.route);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const ledger = emptyLedger();
  return {
    stack,
    busi,
    ledger,
    openWallet: async (id, available) => {
      await busi.openWallet(id, available);
      ledger.wallets[id] = available;
      return id;
    },
    accountPair: async (prefix) => {
      const pair = await stack.seedCrossShardPair(prefix, 1000);
      for (const id of pair) ledger.accounts[id] = 1000;
      return pair;
    },
    expectConsistent: async (finalWithinMs = 60_000) => {
      await waitForAllFinal(stack.databases.coordinator, finalWithinMs);
      const target = { databases: stack.databases, busiDatabaseUrl: busi.databaseUrl };
      expect(await consistencyViolations(target, ledger)).toEqual([]);
    },
    stop: async () => {
      await busi.stop();
      await stack.stop();
    },
  };
}
