import { Client } from 'pg';
import { GroupCommit } from '@app/database';
import { NotesDatabase, insertNote, notesDatabase } from './notes';

/** An insert of note `id` that answers the id of the transaction it ran in. */
const insertReturningTx = (id: number) => ({
  sql: `INSERT INTO notes (id, text) VALUES ($1, 'grouped') RETURNING txid_current()::text AS tx`,
  params: [id],
});

describe('GroupCommit: concurrent statements share a transaction and a commit', () => {
  let db: NotesDatabase;
  let groups: GroupCommit;

  beforeAll(async () => {
    db = await notesDatabase('group_commit', 8);
  });
  afterAll(() => db?.drop());
  beforeEach(async () => {
    await db.dataSource.query('TRUNCATE notes');
    groups = new GroupCommit(db.dataSource, { maxGroups: 1, maxStatements: 64 });
  });

  const run = (statement: { sql: string; params: unknown[] }) =>
    groups.run<{ tx: string }>(statement.sql, statement.params);

  it('sends a lone statement at once and groups what arrives while it is in flight', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => run(insertReturningTx(index + 1))),
    );
    const transactions = results.map((result) => result.rows[0].tx);
    // The first went alone; the other 19 queued behind it and went as one group.
    expect(new Set(transactions.slice(1)).size).toBe(1);
    expect(transactions[0]).not.toBe(transactions[1]);
    expect(await db.ids()).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
  });

  it('answers each caller only once its write is committed', async () => {
    const seenByOthers: boolean[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, index) => {
        await run(insertReturningTx(index + 1));
        // Another connection, outside the group's transaction, must already see the row.
        const [row] = await db.dataSource.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM notes WHERE id = $1',
          [index + 1],
        );
        seenByOthers.push(row.n === 1);
      }),
    );
    expect(seenByOthers).toEqual(Array.from({ length: 10 }, () => true));
  });

  it('runs a group again alone when one statement fails, so no neighbour loses its write', async () => {
    await db.dataSource.query(`INSERT INTO notes (id, text) VALUES (5, 'there before')`);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) => run(insertReturningTx(index + 1))),
    );
    const refused = outcomes.flatMap((outcome, index) =>
      outcome.status === 'rejected'
        ? [{ id: index + 1, code: (outcome.reason as { code?: string }).code }]
        : [],
    );
    // Only the duplicate fails, with its own error (unique_violation), not its group's.
    expect(refused).toEqual([{ id: 5, code: '23505' }]);
    expect(await db.ids()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(
      await db.dataSource.query<{ text: string }[]>('SELECT text FROM notes WHERE id = 5'),
    ).toEqual([{ text: 'there before' }]);
  });

  it("runs a group again alone when the server ends the group's connection before its commit", async () => {
    // The first statement goes alone; the next group starts with one that waits, and is killed then.
    const first = run(insertNote(1));
    const group = [groups.run('SELECT pg_sleep(5)'), ...[2, 3, 4].map((id) => run(insertNote(id)))];
    await first;
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      for (let tries = 0; tries < 100; tries++) {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(5)%' AND state = 'active'`,
        );
        if (rowCount) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await admin.end();
    }
    // Run again alone, the sleeper sleeps its 5 s out; the inserts are not lost with the group.
    const outcomes = await Promise.allSettled(group);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(await db.ids()).toEqual([1, 2, 3, 4]);
  });
});
