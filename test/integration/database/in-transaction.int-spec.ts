import { DataSource } from 'typeorm';
import { inTransaction } from '@app/database';
import { NoteEntity, NotesDatabase, insertNote as insert, notesDatabase } from './notes';

describe('inTransaction: BEGIN and the opening statements in one round trip', () => {
  let db: NotesDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await notesDatabase('in_transaction', 4);
    dataSource = db.dataSource;
  });
  afterAll(() => db?.drop());
  beforeEach(() => dataSource.query('TRUNCATE notes'));

  const notes = () => db.ids();

  it('hands over the opening results in order and commits what work wrote', async () => {
    const counts = await inTransaction(
      dataSource,
      [insert(1), insert(1), { sql: 'SELECT count(*)::int AS n FROM notes' }],
      async (manager, opened) => {
        await manager.query('INSERT INTO notes (id, text) VALUES (2, $1)', ['from work']);
        return opened.map((result) => result.rowCount);
      },
    );
    expect(counts).toEqual([1, 0, 1]);
    expect(await notes()).toEqual([1, 2]);
  });

  it('runs the statements inside one READ COMMITTED transaction', async () => {
    const seen = await inTransaction(
      dataSource,
      [
        {
          sql: 'SELECT current_setting($1) AS level, txid_current() AS tx',
          params: ['transaction_isolation'],
        },
      ],
      async (manager, [opened]) => {
        const [later] = await manager.query<{ tx: string }[]>('SELECT txid_current() AS tx');
        return { ...(opened.rows[0] as { level: string; tx: string }), laterTx: later.tx };
      },
    );
    expect(seen.level).toBe('read committed');
    expect(seen.laterTx).toBe(seen.tx);
  });

  it('rolls everything back when work throws', async () => {
    await expect(
      inTransaction(dataSource, [insert(1)], async (manager) => {
        await manager.query("INSERT INTO notes (id, text) VALUES (2, 'two')");
        throw new Error('business said no');
      }),
    ).rejects.toThrow('business said no');
    expect(await notes()).toEqual([]);
  });

  it('throws the failing opening statement, rolls back, and leaves the connection usable', async () => {
    let workRan = false;
    await expect(
      inTransaction(
        dataSource,
        [
          insert(1),
          { sql: 'INSERT INTO notes (id, text) VALUES ($1, NULL)', params: [2] },
          insert(3),
        ],
        () => {
          workRan = true;
          return Promise.resolve();
        },
      ),
    ).rejects.toMatchObject({ code: '23502' });
    expect(workRan).toBe(false);
    expect(await notes()).toEqual([]);
    // Every pooled connection still answers, none stuck in an aborted transaction.
    await Promise.all(
      Array.from({ length: 4 }, () =>
        inTransaction(dataSource, [{ sql: 'SELECT 1' }], (manager) => manager.query('SELECT 2')),
      ),
    );
  });

  it('lets TypeORM see the transaction: save() joins it and a nested transaction is a savepoint', async () => {
    await expect(
      inTransaction(dataSource, [insert(1)], async (manager) => {
        await manager.getRepository(NoteEntity).save({ id: 2, text: 'saved' });
        await manager
          .transaction(async (nested) => {
            await nested.query("INSERT INTO notes (id, text) VALUES (3, 'nested')");
            throw new Error('nested fails');
          })
          .catch(() => undefined);
        expect(await manager.query('SELECT id FROM notes ORDER BY id')).toEqual([
          { id: 1 },
          { id: 2 },
        ]);
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    // Had save() or the nested transaction committed on their own, rows would be left.
    expect(await notes()).toEqual([]);
  });
});
