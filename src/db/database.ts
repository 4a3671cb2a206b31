import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client';
import { migrate, type MigrationResult } from './migrator';
import { preparedStatementName } from './prepared-statements';

export type { PrismaClient } from '../generated/prisma/client';

export interface DatabaseOptions {
  /** `postgresql://...` for PostgreSQL; otherwise the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory, or `memory://` for a throw-away database. */
  pgliteDir: string;
}

export interface Database {
  prisma: PrismaClient;
  /**
   * Connections of their own for the breaker's transitions: closing the gate must never queue for a connection
   * behind hundreds of job transactions. (PGlite is one connection: the same client.)
   */
  breakerPrisma: PrismaClient;
  kind: 'postgresql' | 'pglite';
  migration: MigrationResult;
  close(): Promise<void>;
}

/** Opens the database and applies pending migrations before anything else may use it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const url = options.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  if (url) throw new Error(`DATABASE_URL must be a postgresql:// URL (got ${url.split(':')[0]}:...)`);
  return openPglite(options.pgliteDir);
}

async function openPostgres(url: string): Promise<Database> {
  // Migrations take a session-level advisory lock, so they run on a pool of exactly one connection.
  const migrationAdapter = await new PrismaPg({ connectionString: url, max: 1 }).connect();
  let migration: MigrationResult;
  try {
    migration = await migrate(migrationAdapter);
  } finally {
    await migrationAdapter.dispose();
  }
  // A PostgreSQL restart ends every connection with an 'error' event (57P01); unheard, it would kill the process.
  // The pool drops the broken connection and the next query opens a new one, so it is only noted. Every connection
  // listens from the moment it connects, whoever holds it: the adapter's own listeners leave gaps (a worker died
  // of one in the chaos drill while PostgreSQL restarted).
  const onConnectionLost = (error: Error) => process.emitWarning(`PostgreSQL connection lost: ${error.message}`, 'DatabaseConnectionWarning');
  const pool = (max: number) => {
    const connections = new pg.Pool({ connectionString: url, max });
    connections.on('connect', (client) => client.on('error', onConnectionLost));
    // The pool re-emits an idle connection's error, which that connection's own listener has already noted.
    connections.on('error', () => undefined);
    return connections;
  };
  // The adapter's own error hooks would note each loss a second time. Hot-path statements are prepared per connection;
  // the adapter's type wants a name for every statement, but it passes the name on to pg, where none means unnamed.
  const pgOptions = { disposeExternalPool: true, statementNameGenerator: preparedStatementName as (query: { sql: string }) => string };
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool(10), pgOptions) });
  const breakerPrisma = new PrismaClient({ adapter: new PrismaPg(pool(3), pgOptions) });
  return {
    prisma,
    breakerPrisma,
    kind: 'postgresql',
    migration,
    close: async () => {
      await Promise.all([prisma.$disconnect(), breakerPrisma.$disconnect()]);
    },
  };
}

async function openPglite(dir: string): Promise<Database> {
  if (!dir.startsWith('memory://')) mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
  return openPgliteInstance(await PGlite.create(dir));
}

/** Wraps an open PGlite (e.g. a test's clone of a migrated template); closing the Database closes it. */
export async function openPgliteInstance(pglite: PGlite): Promise<Database> {
  // PGlite is one in-process database: the migrator and Prisma share the same instance.
  const factory = new PrismaPGlite(pglite);
  const migration = await migrate(await factory.connect());
  const prisma = new PrismaClient({ adapter: factory });
  return {
    prisma,
    breakerPrisma: prisma,
    kind: 'pglite',
    migration,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
