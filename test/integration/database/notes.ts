import { DataSource, EntitySchema } from 'typeorm';
import { postgresOptions } from '@app/database';
import { TestDatabase, createTestDatabase } from '../../support/db';

export interface Note {
  id: number;
  text: string;
}

export const NoteEntity = new EntitySchema<Note>({
  name: 'Note',
  tableName: 'notes',
  columns: { id: { type: Number, primary: true }, text: { type: String } },
});

/** A database of its own with one table, `notes (id int PRIMARY KEY, text text NOT NULL)`. */
export interface NotesDatabase {
  dataSource: DataSource;
  url: string;
  /** The ids stored, ascending. */
  ids(): Promise<number[]>;
  drop(): Promise<void>;
}

export async function notesDatabase(name: string, poolSize: number): Promise<NotesDatabase> {
  const db: TestDatabase = await createTestDatabase(name);
  const dataSource = new DataSource({
    ...postgresOptions({
      url: db.url,
      entities: [NoteEntity],
      migrations: [],
      applicationName: `${name}-spec`,
      poolSize,
    }),
  });
  await dataSource.initialize();
  await dataSource.query('CREATE TABLE notes (id int PRIMARY KEY, text text NOT NULL)');
  return {
    dataSource,
    url: db.url,
    ids: async () =>
      (await dataSource.query<{ id: number }[]>('SELECT id FROM notes ORDER BY id')).map(
        (row) => row.id,
      ),
    drop: async () => {
      await dataSource.destroy();
      await db.drop();
    },
  };
}

/** An insert of note `id` that does nothing when it is there already. */
export const insertNote = (id: number) => ({
  sql: 'INSERT INTO notes (id, text) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  params: [id, `note ${id}`],
});
