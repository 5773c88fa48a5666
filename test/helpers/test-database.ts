import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

const created: { admin: string; name: string }[] = [];

/** The admin URL of the PostgreSQL the suite runs against. */
export function pgAdminUrl(): string {
  return inject('pgAdminUrl');
}

/** A URL for `database` on the test server. */
export function urlFor(database: string): string {
  const u = new URL(pgAdminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A fresh, empty database for one test (or one test file), dropped after the file's tests.
 *
 * @example
 * const url = await createTestDatabase();
 */
export async function createTestDatabase(prefix = 'lockstep_t'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = pgAdminUrl();
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  created.push({ admin, name });
  return urlFor(name);
}

afterAll(async () => {
  const mine = created.splice(0);
  if (mine.length === 0) return;
  const c = new pg.Client({ connectionString: pgAdminUrl() });
  await c.connect();
  try {
    for (const { name } of mine) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
});
