import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import type { EmbeddedPostgres } from '../../src/embedded/embedded-postgres-server.js';
import { spawnEmbeddedPostgres } from '../../src/embedded/spawn-embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgSource: string;
  }
}

const SYSTEM_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

let embedded: EmbeddedPostgres | undefined;

/**
 * Picks the PostgreSQL the tests use: LOCKSTEP_TEST_DATABASE_URL, else the server on 127.0.0.1:5432,
 * else an embedded one started here (always embedded with LOCKSTEP_TEST_EMBEDDED=1).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let url = process.env.LOCKSTEP_TEST_DATABASE_URL;
  let source = 'LOCKSTEP_TEST_DATABASE_URL';
  if (!url && process.env.LOCKSTEP_TEST_EMBEDDED !== '1' && (await answers(SYSTEM_URL))) {
    url = SYSTEM_URL;
    source = 'system PostgreSQL on 127.0.0.1:5432';
  }
  if (!url) {
    embedded = await spawnEmbeddedPostgres({ dataDir: join(tmpdir(), `lockstep-test-pg-${process.pid}`), ephemeral: true });
    url = embedded.url;
    source = 'embedded PostgreSQL';
  }
  process.stdout.write(`[lockstep tests] using ${source}\n`);
  project.provide('pgAdminUrl', url);
  project.provide('pgSource', source);
  return async () => {
    await embedded?.stop();
  };
}
