import type { Dataset, ForeignKeyDef } from './dataset.js';

const learnerFk: ForeignKeyDef = { columns: ['learner_id'], references: { table: 'users', columns: ['id'] }, onDelete: 'cascade' as const };

/**
 * The learning-platform dataset (Sunschool): a parent, its learners and everything they do. A learner's
 * points balance is a view over the append-only ledger and redemptions, never a stored column.
 */
export const learning: Dataset = {
  name: 'learning',
  version: 1,
  description: 'Parents and learners, profiles, lessons, achievements, points ledger, rewards and goals.',
  tables: [
    {
      name: 'users',
      policy: 'merge',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'role', type: 'text' },
        { name: 'name', type: 'text' },
        { name: 'email', type: 'text', nullable: true },
        { name: 'password_hash', type: 'text', nullable: true, sensitive: true },
        { name: 'parent_id', type: 'uuid', nullable: true },
        { name: 'created_at', type: 'timestamp' },
      ],
      foreignKeys: [{ columns: ['parent_id'], references: { table: 'users', columns: ['id'] }, onDelete: 'cascade' }],
    },
    {
      name: 'learner_profiles',
      policy: 'merge',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'user_id', type: 'uuid' },
        { name: 'grade_level', type: 'integer', nullable: true },
        { name: 'interests', type: 'json', nullable: true },
        { name: 'settings', type: 'json', nullable: true },
      ],
      foreignKeys: [{ columns: ['user_id'], references: { table: 'users', columns: ['id'] }, onDelete: 'cascade' }],
    },
    {
      name: 'lessons',
      policy: 'lww',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'learner_id', type: 'uuid' },
        { name: 'subject', type: 'text' },
        { name: 'title', type: 'text' },
        { name: 'status', type: 'text' },
        { name: 'score', type: 'real', nullable: true },
        { name: 'content', type: 'json', nullable: true },
        { name: 'started_at', type: 'timestamp', nullable: true },
        { name: 'completed_at', type: 'timestamp', nullable: true },
      ],
      foreignKeys: [learnerFk],
    },
    {
      name: 'achievements',
      policy: 'lww',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'learner_id', type: 'uuid' },
        { name: 'title', type: 'text' },
        { name: 'description', type: 'text', nullable: true },
        { name: 'awarded_at', type: 'timestamp' },
      ],
      foreignKeys: [learnerFk],
    },
    {
      name: 'points_ledger',
      policy: 'append',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'learner_id', type: 'uuid' },
        { name: 'amount', type: 'integer' },
        { name: 'reason', type: 'text' },
        { name: 'lesson_id', type: 'uuid', nullable: true },
        { name: 'created_at', type: 'timestamp' },
      ],
      foreignKeys: [
        learnerFk,
        { columns: ['lesson_id'], references: { table: 'lessons', columns: ['id'] }, onDelete: 'set null' },
      ],
    },
    {
      name: 'rewards',
      policy: 'lww',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'parent_id', type: 'uuid' },
        { name: 'title', type: 'text' },
        { name: 'cost', type: 'integer' },
        { name: 'active', type: 'boolean' },
      ],
      foreignKeys: [{ columns: ['parent_id'], references: { table: 'users', columns: ['id'] }, onDelete: 'cascade' }],
    },
    {
      name: 'reward_redemptions',
      policy: 'append',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'learner_id', type: 'uuid' },
        { name: 'reward_id', type: 'uuid' },
        { name: 'cost', type: 'integer' },
        { name: 'redeemed_at', type: 'timestamp' },
      ],
      foreignKeys: [learnerFk, { columns: ['reward_id'], references: { table: 'rewards', columns: ['id'] }, onDelete: 'cascade' }],
    },
    {
      name: 'learning_goals',
      policy: 'merge',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'learner_id', type: 'uuid' },
        { name: 'title', type: 'text' },
        { name: 'target', type: 'integer' },
        { name: 'progress', type: 'integer' },
        { name: 'due_date', type: 'timestamp', nullable: true },
      ],
      foreignKeys: [learnerFk],
    },
  ],
  views: [
    {
      name: 'learner_points',
      sql: `SELECT u.id AS learner_id, u.name AS name,
  COALESCE((SELECT SUM(p.amount) FROM points_ledger p WHERE p.learner_id = u.id), 0)
    - COALESCE((SELECT SUM(r.cost) FROM reward_redemptions r WHERE r.learner_id = u.id), 0) AS balance
FROM users u WHERE u.role = 'learner'`,
    },
  ],
};
