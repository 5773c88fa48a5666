import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { isLockstepError, type LockstepError } from '../../../src/core/errors.js';
import { learning } from '../../../src/dataset/learning.js';
import { createReplicationService, type ReplicationService, type ReplicationServiceOptions } from '../../../src/replicate/replication-service.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import type { SecretCipher } from '../../../src/sync/saved-connection.js';
import { createHub, withClient } from '../../helpers/sync-fixtures.js';
import { createTestDatabase } from '../../helpers/test-database.js';

export { withClient };

/** A real AES-GCM box with a throwaway key. */
export function testCipher(): SecretCipher {
  return createSecretBox(randomBytes(32));
}

/** A fresh hub database initialised with the `learning` dataset. */
export function createLearningHub(): Promise<string> {
  return createHub(learning);
}

/** A fresh, empty target database. */
export function createTarget(): Promise<string> {
  return createTestDatabase('lockstep_target');
}

/** A connector to the hub for the service (plain pg, one new connection per call). */
export function connector(url: string, app = 'lockstep:test'): () => Promise<pg.Client> {
  return async () => {
    const c = new pg.Client({ connectionString: url, application_name: app });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
}

/** A service over the hub at `hubUrl`, private targets allowed (the test server is on 127.0.0.1). */
export function serviceFor(hubUrl: string, extra: Partial<ReplicationServiceOptions> = {}): ReplicationService {
  return createReplicationService({
    hub: connector(hubUrl),
    cipher: extra.cipher ?? testCipher(),
    policy: { forbidPrivateAddresses: false },
    heartbeatMs: 200,
    ...extra,
  });
}

/** The URL of a role with a password on the target database (so masking can be checked). */
export async function targetUrlWithPassword(targetUrl: string, password = 'Tr0ub4dor&3-secret'): Promise<string> {
  const role = `lockstep_r_${randomBytes(4).toString('hex')}`;
  await withClient(targetUrl, async (c) => {
    await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    const db = new URL(targetUrl).pathname.slice(1);
    await c.query(`GRANT ALL ON DATABASE "${db}" TO ${role}`);
    await c.query(`GRANT ALL ON SCHEMA public TO ${role}`);
  });
  const u = new URL(targetUrl);
  u.username = role;
  u.password = encodeURIComponent(password);
  return u.toString();
}

export interface Family {
  parent: string;
  learners: string[];
  profiles: string[];
  lessons: string[];
  achievements: string[];
  points: string[];
  rewards: string[];
  redemptions: string[];
  goals: string[];
}

/**
 * A parent with `learners` learners, each with a profile, `lessons` lessons, an achievement, points (one of
 * 0), a redemption and a goal; written with plain SQL on the hub (the hub's triggers record the feed).
 * The first learner's values are zeros, the second's NULLs, so 0 vs NULL is exercised.
 */
export async function addFamily(c: pg.ClientBase, name: string, opts: { learners?: number; lessons?: number } = {}): Promise<Family> {
  const f: Family = { parent: randomUUID(), learners: [], profiles: [], lessons: [], achievements: [], points: [], rewards: [], redemptions: [], goals: [] };
  await c.query(`INSERT INTO learning.users (id, role, name, email, password_hash, parent_id, created_at) VALUES ($1, 'parent', $2, $3, 'argon2$secret-hash', NULL, now())`, [
    f.parent,
    name,
    `${name.toLowerCase()}@example.com`,
  ]);
  const reward = randomUUID();
  f.rewards.push(reward);
  await c.query(`INSERT INTO learning.rewards (id, parent_id, title, cost, active) VALUES ($1, $2, $3, 0, false)`, [reward, f.parent, `${name}'s reward`]);
  for (let i = 0; i < (opts.learners ?? 2); i++) {
    const zero = i % 2 === 0;
    const l = randomUUID();
    f.learners.push(l);
    await c.query(
      `INSERT INTO learning.users (id, role, name, email, password_hash, parent_id, created_at) VALUES ($1, 'learner', $2, NULL, $3, $4, now())`,
      [l, `${name} kid ${i}`, zero ? 'kid-hash' : null, f.parent],
    );
    const p = randomUUID();
    f.profiles.push(p);
    await c.query(`INSERT INTO learning.learner_profiles (id, user_id, grade_level, interests, settings) VALUES ($1, $2, $3, $4, $5)`, [
      p,
      l,
      zero ? 0 : null,
      zero ? JSON.stringify(['math', 'tab\there', 'quote\'s "x"', 'back\\slash', 'line\nbreak']) : null,
      zero ? JSON.stringify({ volume: 0, nothing: null }) : 'null',
    ]);
    for (let j = 0; j < (opts.lessons ?? 3); j++) {
      const les = randomUUID();
      f.lessons.push(les);
      await c.query(
        `INSERT INTO learning.lessons (id, learner_id, subject, title, status, score, content, started_at, completed_at)
         VALUES ($1, $2, 'math', $3, 'done', $4, $5, now(), $6)`,
        [les, l, `Lesson ${j}`, zero ? 0 : j === 1 ? 0.1 + 0.2 : null, zero ? JSON.stringify({ steps: [0, 1] }) : null, zero ? null : new Date('2024-02-29T23:59:59.123456Z')],
      );
      const pt = randomUUID();
      f.points.push(pt);
      await c.query(`INSERT INTO learning.points_ledger (id, learner_id, amount, reason, lesson_id, created_at) VALUES ($1, $2, $3, 'lesson', $4, now())`, [
        pt,
        l,
        zero ? 0 : 10 + j,
        zero ? null : les,
      ]);
    }
    const a = randomUUID();
    f.achievements.push(a);
    await c.query(`INSERT INTO learning.achievements (id, learner_id, title, description, awarded_at) VALUES ($1, $2, 'Star', $3, now())`, [a, l, zero ? '' : null]);
    const r = randomUUID();
    f.redemptions.push(r);
    await c.query(`INSERT INTO learning.reward_redemptions (id, learner_id, reward_id, cost, redeemed_at) VALUES ($1, $2, $3, 0, now())`, [r, l, reward]);
    const g = randomUUID();
    f.goals.push(g);
    await c.query(`INSERT INTO learning.learning_goals (id, learner_id, title, target, progress, due_date) VALUES ($1, $2, 'Read', 10, 0, $3)`, [
      g,
      l,
      zero ? null : new Date('2031-01-01T00:00:00Z'),
    ]);
  }
  return f;
}

export const TABLES = ['users', 'learner_profiles', 'lessons', 'achievements', 'points_ledger', 'rewards', 'reward_redemptions', 'learning_goals'] as const;

/**
 * The rows a scope rooted at parent `root` must hold, computed independently of the code under test
 * (straight from the learning dataset's shape), as JSON text without sensitive columns, ordered by id.
 */
export async function expectedScopeRows(hubUrl: string, root: string | 'all'): Promise<Record<string, string[]>> {
  return withClient(hubUrl, async (c) => {
    const fam = `(SELECT id FROM learning.users WHERE id = $1 OR parent_id = $1)`;
    const where: Record<string, string> = {
      users: `id = $1 OR parent_id = $1`,
      learner_profiles: `user_id IN ${fam}`,
      lessons: `learner_id IN ${fam}`,
      achievements: `learner_id IN ${fam}`,
      points_ledger: `learner_id IN ${fam}`,
      rewards: `parent_id = $1`,
      reward_redemptions: `learner_id IN ${fam}`,
      learning_goals: `learner_id IN ${fam}`,
    };
    const out: Record<string, string[]> = {};
    for (const t of TABLES) {
      const filter = root === 'all' ? 'true OR $1::uuid IS NULL' : where[t];
      const { rows } = await c.query<{ j: string }>(
        `SELECT (to_jsonb(t) - 'password_hash')::text AS j FROM learning.${t} t WHERE ${filter} ORDER BY id`,
        [root === 'all' ? null : root],
      );
      out[t] = rows.map((r) => r.j);
    }
    return out;
  });
}

/** Every row of the target's copy of the dataset, as JSON text (all columns the target has), ordered by id. */
export async function targetRows(targetUrl: string, schema = 'learning'): Promise<Record<string, string[]>> {
  return withClient(targetUrl, async (c) => {
    const out: Record<string, string[]> = {};
    for (const t of TABLES) {
      const exists = await c.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [`"${schema}"."${t}"`]);
      if (!exists.rows[0]?.ok) {
        out[t] = [];
        continue;
      }
      const { rows } = await c.query<{ j: string }>(`SELECT to_jsonb(t)::text AS j FROM "${schema}"."${t}" t ORDER BY id`);
      out[t] = rows.map((r) => r.j);
    }
    return out;
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The LockstepError `p` rejects with (fails the test if it resolves or rejects with anything else). */
export async function failure(p: Promise<unknown>): Promise<LockstepError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isLockstepError(e)) throw new Error(`expected a LockstepError, got ${String(e)}`);
  return e;
}
