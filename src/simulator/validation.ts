import type { z } from 'zod';

/** A zod error as one line, "path: message; path: message", the way an API would report it. */
export function issuesText(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}
