import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, openPgliteInstance, type Database } from '../../src/db/database';

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
  const name = `leadgen_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(base, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url;
}

export async function dropScratchPostgresDatabase(url: URL): Promise<void> {
  const name = url.pathname.slice(1);
  await withAdmin(url.toString(), (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function withAdmin<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
