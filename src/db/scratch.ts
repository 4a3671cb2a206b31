import { randomBytes } from 'node:crypto';
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
