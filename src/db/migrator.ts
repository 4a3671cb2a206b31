import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SqlDriverAdapter, SqlQuery } from '@prisma/driver-adapter-utils';

/**
 * Applies the committed Prisma migrations through a driver adapter, offline.
 *
 * Prisma 7's `migrate deploy` needs a native schema engine that cannot be downloaded here, so this
 * does what it does, the same way: a `_prisma_migrations` row per migration with the sha256 of
 * migration.sql, written before the script runs and finished after it, all under Prisma's own
 * advisory lock. A database migrated here is one `prisma migrate deploy` carries on from.
 */

export const DEFAULT_MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/migrations');

// The key Prisma's migration engine locks with, so this and `prisma migrate deploy` exclude each other.
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function readMigrations(dir = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

function text(sql: string, ...args: string[]): SqlQuery {
  return { sql, args, argTypes: args.map(() => ({ scalarType: 'string', arity: 'scalar' })) };
}

async function appliedMigrations(db: SqlDriverAdapter): Promise<AppliedRow[]> {
  const result = await db.queryRaw(
    text(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
    ),
  );
  return result.rows.map((row) =>
    Object.fromEntries(result.columnNames.map((name, i) => [name, row[i]])),
  ) as unknown as AppliedRow[];
}

/**
 * Brings the database up to date. The adapter must hold a single connection (the advisory lock is
 * per session): PGlite always does; for PostgreSQL pass a pool of size 1.
 */
export async function migrate(
  db: SqlDriverAdapter,
  migrations: MigrationFile[] = readMigrations(),
): Promise<MigrationResult> {
  await db.executeRaw(text(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY})`));
  try {
    await db.executeScript(CREATE_MIGRATIONS_TABLE);
    const rows = (await appliedMigrations(db)).filter((row) => row.rolled_back_at == null);

    const failed = rows.find((row) => row.finished_at == null);
    if (failed) {
      throw new MigrationError(
        `Migration ${failed.migration_name} failed earlier and must be resolved before others are applied ` +
          `(see _prisma_migrations.logs; \`prisma migrate resolve\` where the engine is available)`,
      );
    }

    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    const byName = new Map(rows.map((row) => [row.migration_name, row]));
    for (const migration of migrations) {
      const applied = byName.get(migration.name);
      if (applied) {
        if (applied.checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.name} was modified after it was applied ` +
              `(checksum ${applied.checksum} in the database, ${migration.checksum} on disk). ` +
              'Applied migrations are immutable: add a new migration instead.',
          );
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      await applyOne(db, migration);
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await db.executeRaw(text(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK_KEY})`));
  }
}

async function applyOne(db: SqlDriverAdapter, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await db.executeRaw(
    text(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      id,
      migration.checksum,
      migration.name,
    ),
  );
  try {
    await runScript(db, migration.sql);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db.executeRaw(text(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, id, message));
    throw new MigrationError(`Migration ${migration.name} failed: ${message}`);
  }
  await db.executeRaw(
    text(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
      id,
    ),
  );
}

/**
 * One migration script as one implicit transaction. adapter-pg's executeScript splits the script at every ';'
 * (which breaks function bodies and commits statement by statement); a query without parameters goes through
 * pg's simple protocol instead, which takes the whole script at once. PGlite's executeScript already does.
 */
async function runScript(db: SqlDriverAdapter, sql: string): Promise<void> {
  if (db.adapterName === '@prisma/adapter-pg') await db.executeRaw(text(sql));
  else await db.executeScript(sql);
}
