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

/** A fresh, migrated database of the given kind, isolated from every other test. */
export async function createTestDatabase(kind: DatabaseKind = 'pglite'): Promise<TestDatabase> {
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
