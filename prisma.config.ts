import path from 'node:path';
import { defineConfig } from 'prisma/config';

// Prisma 7's CLI insists on a schema engine even for `generate`, which needs none; offline there is
// no engine to download, so point it at an existing file unless the user configured a real one.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(__dirname, 'package.json');

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/leadgen' },
});
