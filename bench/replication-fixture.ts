// What the two replication cases share: a learning hub holding one family of N rows, a replication
// service over it, and a 1% mix of inserts, updates and deletes made on the hub with plain SQL.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { learning } from '../src/dataset/learning.js';
import { initHub } from '../src/hub/hub-init.js';
import { createReplicationService, type ReplicationService } from '../src/replicate/replication-service.js';
import { createSecretBox } from '../src/secrets/secret-box.js';
import { freshDatabase, withClient } from './bench-db.js';

/** The learning dataset's tables as `pg_dump -t` names them on the hub. */
export const LEARNING_TABLES = learning.tables.map((t) => `learning.${t.name}`);

/** How many learners the family has; every other row hangs off them. */
const LEARNERS = 100;

export interface BenchFamily {
  parent: string;
  rows: number;
}

/**
 * A fresh hub (`learning` dataset) with one parent whose family totals exactly `n` rows: 100 learners
 * with profiles, goals and achievements, 5 rewards, redemptions, 40% lessons and the rest points (half
 * of them pointing at a lesson). Written with plain SQL, so the hub's triggers fill the feed as devices
 * would; then VACUUM ANALYZE so every later reader finds the same settled tables.
 */
export async function learningHubWithFamily(name: string, n: number): Promise<{ url: string; family: BenchFamily }> {
  const url = await freshDatabase(name);
  const parent = randomUUID();
  await withClient(url, async (c) => {
    await initHub(c, learning);
    const lessons = Math.floor(n * 0.4);
    const small = 1 + LEARNERS * 5 + 5; // users, profiles, goals, achievements, redemptions, rewards
    const points = n - small - lessons;
    if (points < 0) throw new Error(`a family needs at least ${small} rows`);
    await c.query('BEGIN');
    await c.query(`INSERT INTO learning.users (id, role, name, email, password_hash, parent_id, created_at) VALUES ($1, 'parent', 'Bench', 'bench@example.com', 'x', NULL, now())`, [parent]);
    await c.query(
      `CREATE TEMP TABLE bench_learners ON COMMIT DROP AS SELECT i, gen_random_uuid() AS id FROM generate_series(0, $1::int - 1) i`,
      [LEARNERS],
    );
    await c.query(`INSERT INTO learning.users (id, role, name, email, password_hash, parent_id, created_at) SELECT id, 'learner', 'kid ' || i, NULL, NULL, $1, now() FROM bench_learners`, [parent]);
    await c.query(`INSERT INTO learning.learner_profiles (id, user_id, grade_level, interests, settings) SELECT gen_random_uuid(), id, i % 12, '["math"]', '{"volume": 3}' FROM bench_learners`);
    await c.query(`INSERT INTO learning.learning_goals (id, learner_id, title, target, progress, due_date) SELECT gen_random_uuid(), id, 'Read', 10, i % 10, NULL FROM bench_learners`);
    await c.query(`INSERT INTO learning.achievements (id, learner_id, title, description, awarded_at) SELECT gen_random_uuid(), id, 'Star', NULL, now() FROM bench_learners`);
    await c.query(`INSERT INTO learning.rewards (id, parent_id, title, cost, active) SELECT gen_random_uuid(), $1, 'reward ' || i, 10 * i, true FROM generate_series(1, 5) i`, [parent]);
    await c.query(
      `INSERT INTO learning.reward_redemptions (id, learner_id, reward_id, cost, redeemed_at)
       SELECT gen_random_uuid(), l.id, (SELECT id FROM learning.rewards ORDER BY id LIMIT 1), 10, now() FROM bench_learners l`,
    );
    await c.query(
      `INSERT INTO learning.lessons (id, learner_id, subject, title, status, score, content, started_at, completed_at)
       SELECT gen_random_uuid(), l.id, 'math', 'Lesson ' || g, 'done', (g % 100) / 10.0, '{"steps": [1, 2]}', now(), now()
       FROM generate_series(0, $1::int - 1) g JOIN bench_learners l ON l.i = g % ${LEARNERS}`,
      [lessons],
    );
    await c.query(
      `INSERT INTO learning.points_ledger (id, learner_id, amount, reason, lesson_id, created_at)
       SELECT gen_random_uuid(), s.learner_id, g % 20, 'lesson', CASE WHEN g % 2 = 0 THEN s.id END, now()
       FROM generate_series(0, $1::int - 1) g
       JOIN (SELECT id, learner_id, row_number() OVER (ORDER BY id) - 1 AS k FROM learning.lessons) s ON s.k = g % $2::int`,
      [points, lessons],
    );
    await c.query('COMMIT');
    await c.query('VACUUM ANALYZE');
    const { rows } = await c.query<{ n: string }>(`SELECT (${learning.tables.map((t) => `(SELECT count(*) FROM learning.${t.name})`).join(' + ')}) AS n`);
    if (Number(rows[0]?.n) !== n) throw new Error(`the family has ${rows[0]?.n} rows, expected ${n}`);
  });
  return { url, family: { parent, rows: n } };
}

/** A replication service over the hub at `hubUrl`, with local targets allowed. */
export function benchReplicationService(hubUrl: string): ReplicationService {
  return createReplicationService({
    hub: async () => {
      const c = new pg.Client({ connectionString: hubUrl, application_name: 'lockstep:bench' });
      await c.connect();
      return c;
    },
    cipher: createSecretBox(randomBytes(32)),
    policy: { forbidPrivateAddresses: false },
  });
}

/**
 * Changes `n` rows of the family on the hub, in one transaction: a third new lessons and points, a third
 * updated lessons, a third deleted points. Returns the counts.
 */
export async function changeOnePercent(hubUrl: string, n: number): Promise<{ inserted: number; updated: number; deleted: number }> {
  const third = Math.floor(n / 3);
  const inserted = n - 2 * third;
  await withClient(hubUrl, async (c) => {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO learning.lessons (id, learner_id, subject, title, status, score, content, started_at, completed_at)
       SELECT gen_random_uuid(), u.id, 'art', 'New ' || g, 'open', NULL, NULL, now(), NULL
       FROM generate_series(0, $1::int - 1) g JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM learning.users WHERE role = 'learner') u ON u.k = g % ${LEARNERS}`,
      [Math.ceil(inserted / 2)],
    );
    await c.query(
      `INSERT INTO learning.points_ledger (id, learner_id, amount, reason, lesson_id, created_at)
       SELECT gen_random_uuid(), u.id, 5, 'bonus', NULL, now()
       FROM generate_series(0, $1::int - 1) g JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM learning.users WHERE role = 'learner') u ON u.k = g % ${LEARNERS}`,
      [Math.floor(inserted / 2)],
    );
    await c.query(`UPDATE learning.lessons SET score = 0, title = title || ' (redone)' WHERE id IN (SELECT id FROM learning.lessons WHERE subject = 'math' ORDER BY id LIMIT $1)`, [third]);
    await c.query(`DELETE FROM learning.points_ledger WHERE id IN (SELECT id FROM learning.points_ledger WHERE reason = 'lesson' ORDER BY id DESC LIMIT $1)`, [third]);
    await c.query('COMMIT');
  });
  return { inserted, updated: third, deleted: third };
}
