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
const NAME = '[a-z][a-z_]*';
const MARK = new RegExp(`^\\s*/\\* prepared (${NAME}) \\*/`);
const VALID_NAME = new RegExp(`^${NAME}$`);
// Marked texts are fixed (that is the mark's contract), so their names are few: kept rather than hashed per call.
const names = new Map<string, string>();

/** The mark a prepared statement starts with (a comment, so it also names the statement in pg_stat_activity). */
export function prepared(name: string): Prisma.Sql {
  if (!VALID_NAME.test(name)) throw new Error(`prepared statement name "${name}": lower-case letters and underscores only`);
  return Prisma.raw(`/* prepared ${name} */`);
}

/** The adapter's `statementNameGenerator`: a name for marked statements, none (unnamed, planned each time) for the rest. */
export function preparedStatementName({ sql }: { sql: string }): string | undefined {
  const known = names.get(sql);
  if (known) return known;
  const match = MARK.exec(sql);
  if (!match) return undefined;
  const name = `${match[1]}_${createHash('sha1').update(sql).digest('hex').slice(0, 12)}`;
  names.set(sql, name);
  return name;
}
