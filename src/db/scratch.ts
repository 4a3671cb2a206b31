import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

/**
 * Throw-away PostgreSQL databases on the server `baseUrl` points at (the role needs CREATEDB): tests and benches
 * get a database of their own and never touch the one the URL names.
 */
export async function createScratchPostgresDatabase(baseUrl: string, prefix: string): Promise<URL> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin(baseUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url;
}

// PostgreSQL 15's FORCE refuses to end an autovacuum worker for a role without pg_signal_backend (SQLSTATE
// 42501); the worker is done within moments, so the drop is tried again for a while before giving up.
const DROP_ATTEMPTS = 50;
const DROP_RETRY_MS = 200;

export async function dropScratchPostgresDatabase(url: URL): Promise<void> {
  const name = url.pathname.slice(1);
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdmin(url.toString(), (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt >= DROP_ATTEMPTS) throw error;
      await sleep(DROP_RETRY_MS);
    }
  }
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
