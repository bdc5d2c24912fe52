import { createTestDatabase, TestDatabase } from '../../support/db';
import {
  Answer,
  Coordinator,
  pause,
  queryLog,
  startCoordinator,
  startParticipant,
} from './support/harness';
import { StubParticipant } from './support/stub-participant';

const ROUNDS = 50;

describe('coordinator: racing decisions', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let account: StubParticipant;

  beforeAll(async () => {
    db = await createTestDatabase('coord_races');
    coordinator = await startCoordinator(db.url);
    account = await startParticipant(coordinator.api, 'account', ['debit']);
    // Random small delays on every call widen the windows in which requests overlap.
    account.behaviour = async () => {
      await pause(Math.floor(Math.random() * 4));
      return { status: 200 };
    };
  });

  afterAll(async () => {
    await coordinator?.close();
    await account?.stop();
    await db?.drop();
  });

  const debit = (amount: number) => ({
    participant: 'account',
    action: 'debit',
    payload: { accountId: 'race', amount },
  });

  const decisions = async (id: string) =>
    (
      await queryLog<{ type: string }>(
        db.url,
        `SELECT type FROM events WHERE transaction_id = $1 AND type LIKE 'DECIDE_%'`,
        [id],
      )
    ).map((row) => row.type);

  /** Lets recovery finish whatever phase 2 a request could not (none expected, but never assumed). */
  const settle = async (id: string): Promise<Answer['body']> => {
    for (let i = 0; i < 5; i++) {
      const view = await coordinator.api.get(`/v1/transactions/${id}`);
      if (view.body.status === 'CONFIRMED' || view.body.status === 'CANCELLED') return view.body;
      coordinator.clock.advance(5_000);
      await coordinator.recovery.recoverOnce();
    }
    throw new Error(`${id} did not finish`);
  };

  it('add-branch racing cancel never leaves a tried branch of a cancelled transaction uncancelled', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const begun = await coordinator.api.post('/v1/transactions', {
        branches: [debit(1)],
        autoCommit: false,
      });
      const id = begun.body.id as string;
      const [added, cancelled] = await Promise.all([
        coordinator.api.post(`/v1/transactions/${id}/branches`, debit(2)),
        coordinator.api.post(`/v1/transactions/${id}/cancel`),
      ]);
      expect([200, 409]).toContain(added.status);
      if (added.status === 409) expect(['NOT_TRYING', 'TRY_REFUSED']).toContain(added.body.code);
      expect([200, 202]).toContain(cancelled.status);

      const final = await settle(id);
      expect(final.status).toBe('CANCELLED');
      expect(await decisions(id)).toEqual(['DECIDE_CANCEL']);
      for (const branch of final.branches as { id: string; status: string }[]) {
        expect(['CANCELLED', 'TRY_FAILED']).toContain(branch.status);
        expect(account.holds.get(branch.id)).not.toBe('held');
        if (account.callsOf('try', branch.id).length > 0 && branch.status === 'CANCELLED') {
          expect(account.callsOf('cancel', branch.id).length).toBeGreaterThanOrEqual(1);
        }
      }
    }
    expect(account.openHolds()).toEqual([]);
  });

  it('confirm racing cancel: exactly one decision wins, the other gets 409 ALREADY_DECIDED', async () => {
    const wins = { confirm: 0, cancel: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const begun = await coordinator.api.post('/v1/transactions', {
        branches: [debit(3), debit(4)],
        autoCommit: false,
      });
      const id = begun.body.id as string;
      const [confirm, cancel] = await Promise.all([
        coordinator.api.post(`/v1/transactions/${id}/confirm`),
        coordinator.api.post(`/v1/transactions/${id}/cancel`),
      ]);
      const confirmWon = confirm.status === 200 || confirm.status === 202;
      const cancelWon = cancel.status === 200 || cancel.status === 202;
      expect(confirmWon !== cancelWon).toBe(true);
      const loser = confirmWon ? cancel : confirm;
      expect(loser.status).toBe(409);
      expect(loser.body.code).toBe('ALREADY_DECIDED');
      wins[confirmWon ? 'confirm' : 'cancel']++;

      const final = await settle(id);
      expect(final.status).toBe(confirmWon ? 'CONFIRMED' : 'CANCELLED');
      expect(await decisions(id)).toEqual([confirmWon ? 'DECIDE_CONFIRM' : 'DECIDE_CANCEL']);
      for (const branch of final.branches as { id: string }[]) {
        expect(account.holds.get(branch.id)).toBe(confirmWon ? 'confirmed' : 'cancelled');
      }
    }
    expect(wins.confirm + wins.cancel).toBe(ROUNDS);
    expect(account.openHolds()).toEqual([]);
  });

  it('add-branch racing confirm never confirms a transaction with a branch left untried', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const begun = await coordinator.api.post('/v1/transactions', {
        branches: [debit(5)],
        autoCommit: false,
      });
      const id = begun.body.id as string;
      const [added, confirm] = await Promise.all([
        coordinator.api.post(`/v1/transactions/${id}/branches`, debit(6)),
        coordinator.api.post(`/v1/transactions/${id}/confirm`),
      ]);
      if (confirm.status === 409) {
        expect(confirm.body.code).toBe('NOT_ALL_TRIED');
        expect(added.status).toBe(200);
        expect((await coordinator.api.post(`/v1/transactions/${id}/cancel`)).status).toBe(200);
      } else {
        expect([200, 202]).toContain(confirm.status);
        expect([200, 409]).toContain(added.status);
      }
      const final = await settle(id);
      const expected = confirm.status === 409 ? 'cancelled' : 'confirmed';
      for (const branch of final.branches as { id: string; status: string }[]) {
        expect(branch.status).toBe(expected.toUpperCase());
        expect(account.holds.get(branch.id)).toBe(expected);
      }
    }
    expect(account.openHolds()).toEqual([]);
  });
});
