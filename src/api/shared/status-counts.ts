import { z } from 'zod';

export interface StatusCounts<S extends string> {
  total: number;
  by_status: Record<S, number>;
}

/** The schema of a StatusCounts: every status listed, zeros included. */
export function statusCounts<S extends string>(statuses: readonly [S, ...S[]] | readonly S[]) {
  return z.object({ total: z.int().min(0), by_status: z.record(z.enum(statuses as [S, ...S[]]), z.int().min(0)) });
}

/**
 * Counts for every status (zeros included, so clients need no defaults), from a Prisma
 * `groupBy({ by: ['status'], _count: { _all: true } })`.
 */
export function countsByStatus<S extends string>(
  statuses: readonly S[],
  groups: { status: S; _count: { _all: number } }[],
): StatusCounts<S> {
  return countsOf(statuses, Object.fromEntries(groups.map((group) => [group.status, group._count._all])) as Partial<Record<S, number>>);
}

/** Counts for every status (zeros included) from counts of some of them. */
export function countsOf<S extends string>(statuses: readonly S[], counts: Partial<Record<S, number>>): StatusCounts<S> {
  const byStatus = Object.fromEntries(statuses.map((status) => [status, counts[status] ?? 0])) as Record<S, number>;
  const total = statuses.reduce((sum, status) => sum + byStatus[status], 0);
  return { total, by_status: byStatus };
}
