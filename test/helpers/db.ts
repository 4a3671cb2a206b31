import { PGlite } from '@electric-sql/pglite';
import { openDatabase, openPgliteInstance, type Database } from '../../src/db/database';
import { createScratchPostgresDatabase as createScratch, dropScratchPostgresDatabase } from '../../src/db/scratch';

export type DatabaseKind = 'pglite' | 'postgresql';

/** PGlite always; PostgreSQL too when DATABASE_URL is set (CI sets it). */
export const DATABASE_KINDS: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];

export interface TestDatabase extends Database {
  /** The URL of the throw-away PostgreSQL database (undefined for PGlite). */
  url?: string;
  /** Closes and, for PostgreSQL, drops the throw-away database. */
  destroy(): Promise<void>;
}

let template: Promise<PGlite> | undefined;

/** Closes this test file's PGlite template (jest.config's setupFilesAfterEnv calls it in afterAll). */
export async function closeTemplateDatabase(): Promise<void> {
  const opened = template;
  template = undefined;
  if (opened) await (await opened).close();
}

/**
 * A migrated database of the given kind, isolated from every other test. PGlite ones are clones of a
 * migrated template unless `fresh` asks for one migrated from scratch.
 */
export async function createTestDatabase(kind: DatabaseKind = 'pglite', { fresh = false } = {}): Promise<TestDatabase> {
  if (kind === 'pglite' && fresh) {
    const db = await openDatabase({ pgliteDir: 'memory://' });
    return { ...db, destroy: () => db.close() };
  }
  if (kind === 'pglite') {
    // initdb + migrations take seconds; a clone of one migrated template per test file takes a fraction.
    template ??= PGlite.create('memory://').then(async (pglite) => {
      await (await openPgliteInstance(pglite)).prisma.$disconnect();
      return pglite;
    });
    const db = await openPgliteInstance((await (await template).clone()) as PGlite);
    return { ...db, destroy: () => db.close() };
  }
  const url = await createScratchPostgresDatabase();
  const db = await openDatabase({ databaseUrl: url.toString(), pgliteDir: 'unused' });
  return {
    ...db,
    url: url.toString(),
    destroy: async () => {
      await db.close();
      await dropScratchPostgresDatabase(url);
    },
  };
}

export async function createScratchPostgresDatabase(): Promise<URL> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set');
  return createScratch(base, 'leadgen_test');
}

export { dropScratchPostgresDatabase };
