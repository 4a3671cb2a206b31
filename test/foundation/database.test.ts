import { cpSync, mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { openDatabase } from '../../src/db/database';
import { DEFAULT_MIGRATIONS_DIR, migrate, MigrationError, readMigrations } from '../../src/db/migrator';
import {
  createScratchPostgresDatabase,
  createTestDatabase,
  DATABASE_KINDS,
  dropScratchPostgresDatabase,
} from '../helpers/db';

describe.each(DATABASE_KINDS)('database on %s', (kind) => {
  it('applies every migration to a fresh database, records them as Prisma does, and round-trips a row', async () => {
    const db = await createTestDatabase(kind, { fresh: true });
    try {
      const expected = readMigrations();
      expect(db.migration.applied).toEqual(expected.map((m) => m.name));

      const recorded = await db.prisma.$queryRaw<
        { migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }[]
      >`SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`;
      expect(recorded.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(
        expected.map((m) => [m.name, m.checksum, 1]),
      );
      expect(recorded.every((r) => r.finished_at instanceof Date)).toBe(true);

      const created = await db.prisma.campaign.create({
        data: {
          name: 'Round trip',
          searchCriteria: { titles: ['CTO'], locations: ['Berlin'] },
          leadLimit: 25,
          copyPrompt: 'Be brief.',
          instantlyCampaignId: 'inst-1',
          jobs: { create: [{ type: 'FETCH_LEADS' }] },
        },
        include: { jobs: true },
      });
      const read = await db.prisma.campaign.findUniqueOrThrow({ where: { id: created.id }, include: { jobs: true } });
      expect(read.status).toBe('CREATED');
      expect(read.searchCriteria).toEqual({ titles: ['CTO'], locations: ['Berlin'] });
      expect(read.jobs).toHaveLength(1);
      expect(read.jobs[0]!.status).toBe('PENDING');

      const event = await db.prisma.breakerEvent.create({
        data: { type: 'BREAKER_OPENED', service: 'apollo', actor: 'system', reason: 'HTTP 503' },
      });
      expect(typeof event.id).toBe('bigint');
    } finally {
      await db.destroy();
    }
  });

  it('is a no-op on re-run and refuses an edited, already-applied migration', async () => {
    const scratch = await openScratchAdapter(kind);
    try {
      const first = await migrate(scratch.adapter);
      expect(first.applied.length).toBeGreaterThan(0);

      const again = await migrate(scratch.adapter);
      expect(again).toEqual({ applied: [], alreadyApplied: first.applied });
      const count = await scratch.adapter.queryRaw({ sql: 'SELECT count(*)::int AS n FROM "_prisma_migrations"', args: [], argTypes: [] });
      expect(count.rows[0]![0]).toBe(first.applied.length);

      const edited = editedMigrationsDir();
      try {
        await expect(migrate(scratch.adapter, readMigrations(edited.dir))).rejects.toThrow(MigrationError);
        await expect(migrate(scratch.adapter, readMigrations(edited.dir))).rejects.toThrow(
          /was modified after it was applied/,
        );
      } finally {
        rmSync(edited.dir, { recursive: true, force: true });
      }
    } finally {
      await scratch.close();
    }
  });

  if (kind === 'postgresql') {
    it('is safe when two processes migrate the same database at once', async () => {
      const url = await createScratchPostgresDatabase();
      try {
        const results = await Promise.all([
          openDatabase({ databaseUrl: url.toString(), pgliteDir: 'unused' }),
          openDatabase({ databaseUrl: url.toString(), pgliteDir: 'unused' }),
        ]);
        const applied = results.map((r) => r.migration.applied.length).sort();
        expect(applied).toEqual([0, readMigrations().length]);
        const rows = await results[0].prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "_prisma_migrations"`;
        expect(rows[0]!.n).toBe(readMigrations().length);
        await Promise.all(results.map((r) => r.close()));
      } finally {
        await dropScratchPostgresDatabase(url);
      }
    });
  }
});

describe('PGlite data folder', () => {
  it('keeps data across reopen and does not re-apply migrations', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'leadgen-pglite-')), 'db');
    try {
      const first = await openDatabase({ pgliteDir: dir });
      await first.prisma.breakerEvent.create({ data: { type: 'BREAKER_RESET', actor: 'test' } });
      await first.close();
      const second = await openDatabase({ pgliteDir: dir });
      expect(second.migration.applied).toEqual([]);
      expect(await second.prisma.breakerEvent.count()).toBe(1);
      await second.close();
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});

/** A copy of the committed migrations with the first one edited by a single comment. */
function editedMigrationsDir(): { dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leadgen-migrations-'));
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  const first = readMigrations(dir)[0]!;
  appendFileSync(path.join(dir, first.name, 'migration.sql'), '\n-- an edit after the fact\n');
  return { dir };
}

async function openScratchAdapter(kind: string) {
  if (kind === 'pglite') {
    const pglite = await PGlite.create('memory://');
    const adapter = await new PrismaPGlite(pglite).connect();
    return { adapter, close: () => pglite.close() };
  }
  const url = await createScratchPostgresDatabase();
  const adapter = await new PrismaPg({ connectionString: url.toString(), max: 1 }).connect();
  return {
    adapter,
    close: async () => {
      await adapter.dispose();
      await dropScratchPostgresDatabase(url);
    },
  };
}
