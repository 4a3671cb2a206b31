import { createHash } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';

/**
 * Statements a job runs every time (its claim, its completion) and the status read are prepared once per
 * PostgreSQL connection and then only bound and executed: sent unnamed, PostgreSQL parses, analyses and plans
 * their CTEs anew on every call: a third of the database's CPU per job went to that (bench:throughput).
 *
 * A statement opts in by starting with `prepared('name')`. Only those are named: PostgreSQL keeps a named
 * statement for the connection's whole life, and texts that vary (an ORM's multi-row inserts) would pile up.
 * The name carries a hash of the text, so one name never stands for two texts (the driver refuses that).
 * PGlite runs the same text; its adapter ignores the mark, which is a comment.
 */
const MARK = /^\s*\/\* prepared ([a-z][a-z_]*) \*\//;

/** The mark a prepared statement starts with (a comment, so it also names the statement in pg_stat_activity). */
export function prepared(name: string): Prisma.Sql {
  if (!/^[a-z][a-z_]*$/.test(name)) throw new Error(`prepared statement name "${name}": lower-case letters and underscores only`);
  return Prisma.raw(`/* prepared ${name} */`);
}

/** The adapter's `statementNameGenerator`: a name for marked statements, none (unnamed, planned each time) for the rest. */
export function preparedStatementName({ sql }: { sql: string }): string | undefined {
  const match = MARK.exec(sql);
  if (!match) return undefined;
  return `${match[1]}_${createHash('sha1').update(sql).digest('hex').slice(0, 12)}`;
}
