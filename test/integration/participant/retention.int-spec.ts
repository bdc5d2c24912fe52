import { DataSource } from 'typeorm';
import { postgresOptions } from '@app/database';
import { CreateTccBarrier1700000000000, purgeSettledBarriers } from '@app/participant';
import { TestDatabase, createTestDatabase } from '../../support/db';

describe('purgeSettledBarriers', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('participant_retention');
    dataSource = new DataSource(
      postgresOptions({
        url: db.url,
        entities: [],
        migrations: [CreateTccBarrier1700000000000],
        applicationName: 'participant-retention-test',
      }),
    );
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  async function row(tx: string, phase: string, ageDays: number): Promise<void> {
    await dataSource.query(
      `INSERT INTO tcc_barrier (transaction_id, branch_id, phase, outcome, created_at)
       VALUES ($1, 'b', $2, 'ok', now() - make_interval(days => $3))`,
      [tx, phase, ageDays],
    );
  }

  it('deletes old settled branches in batches and keeps lone tries and recent branches', async () => {
    for (let i = 0; i < 7; i++) {
      await row(`old-confirmed-${i}`, 'try', 40);
      await row(`old-confirmed-${i}`, 'confirm', 40);
    }
    await row('old-cancelled', 'try', 40);
    await row('old-cancelled', 'cancel', 40);
    await row('old-empty-cancel', 'cancel', 40);
    await row('old-lone-try', 'try', 40);
    await row('recent', 'try', 2);
    await row('recent', 'confirm', 2);

    const deleted = await purgeSettledBarriers(dataSource, 30, 2);
    expect(deleted).toBe(7 * 2 + 2 + 1);
    const left = await dataSource.query<{ transaction_id: string; phase: string }[]>(
      'SELECT transaction_id, phase FROM tcc_barrier ORDER BY transaction_id, phase',
    );
    expect(left).toEqual([
      { transaction_id: 'old-lone-try', phase: 'try' },
      { transaction_id: 'recent', phase: 'confirm' },
      { transaction_id: 'recent', phase: 'try' },
    ]);
    expect(await purgeSettledBarriers(dataSource, 30)).toBe(0);
  });
});
