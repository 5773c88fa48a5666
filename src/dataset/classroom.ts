import type { Dataset } from './dataset.js';

/**
 * The classroom scoring dataset (SecScore). Scores and reward points are never stored: they are views
 * over the append-only `score_events` and `reward_redemptions`, so no stale copy can roll them back.
 */
export const classroom: Dataset = {
  name: 'classroom',
  version: 1,
  description: 'Students, tags, reasons, append-only score events, settlements and rewards of a classroom.',
  tables: [
    {
      name: 'students',
      policy: 'merge',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'name', type: 'text' },
        { name: 'group_name', type: 'text', nullable: true },
        { name: 'notes', type: 'text', nullable: true },
        { name: 'created_at', type: 'timestamp' },
      ],
      indexes: [['name']],
    },
    {
      name: 'tags',
      policy: 'lww',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'name', type: 'text' },
        { name: 'color', type: 'text', nullable: true },
      ],
    },
    {
      name: 'student_tags',
      policy: 'lww',
      primaryKey: ['student_id', 'tag_id'],
      columns: [
        { name: 'student_id', type: 'uuid' },
        { name: 'tag_id', type: 'uuid' },
      ],
      foreignKeys: [
        { columns: ['student_id'], references: { table: 'students', columns: ['id'] }, onDelete: 'cascade' },
        { columns: ['tag_id'], references: { table: 'tags', columns: ['id'] }, onDelete: 'cascade' },
      ],
    },
    {
      name: 'reasons',
      policy: 'lww',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'content', type: 'text' },
        { name: 'category', type: 'text', nullable: true },
        { name: 'delta', type: 'integer' },
        { name: 'archived', type: 'boolean' },
      ],
    },
    {
      name: 'settlements',
      policy: 'append',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'title', type: 'text' },
        { name: 'settled_at', type: 'timestamp' },
      ],
    },
    {
      name: 'score_events',
      policy: 'append',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'student_id', type: 'uuid' },
        { name: 'reason_id', type: 'uuid', nullable: true },
        { name: 'reason_text', type: 'text' },
        { name: 'delta', type: 'integer' },
        { name: 'created_at', type: 'timestamp' },
      ],
      foreignKeys: [
        { columns: ['student_id'], references: { table: 'students', columns: ['id'] }, onDelete: 'cascade' },
        { columns: ['reason_id'], references: { table: 'reasons', columns: ['id'] }, onDelete: 'set null' },
      ],
      indexes: [['created_at']],
    },
    {
      name: 'reward_settings',
      policy: 'lww',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'name', type: 'text' },
        { name: 'cost_points', type: 'integer' },
        { name: 'enabled', type: 'boolean' },
      ],
    },
    {
      name: 'reward_redemptions',
      policy: 'append',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'uuid' },
        { name: 'student_id', type: 'uuid' },
        { name: 'reward_id', type: 'uuid' },
        { name: 'cost_points', type: 'integer' },
        { name: 'redeemed_at', type: 'timestamp' },
      ],
      foreignKeys: [
        { columns: ['student_id'], references: { table: 'students', columns: ['id'] }, onDelete: 'cascade' },
        { columns: ['reward_id'], references: { table: 'reward_settings', columns: ['id'] }, onDelete: 'cascade' },
      ],
    },
    {
      name: 'settings',
      policy: 'lww',
      primaryKey: ['key'],
      columns: [
        { name: 'key', type: 'text' },
        { name: 'value', type: 'json', nullable: true },
      ],
    },
  ],
  views: [
    {
      name: 'student_scores',
      sql: `SELECT s.id AS student_id, s.name AS name,
  COALESCE((SELECT SUM(e.delta) FROM score_events e WHERE e.student_id = s.id), 0) AS total_score,
  COALESCE((SELECT SUM(e.delta) FROM score_events e WHERE e.student_id = s.id
    AND ((SELECT MAX(t.settled_at) FROM settlements t) IS NULL OR e.created_at > (SELECT MAX(t.settled_at) FROM settlements t))), 0) AS period_score,
  COALESCE((SELECT SUM(e.delta) FROM score_events e WHERE e.student_id = s.id), 0)
    - COALESCE((SELECT SUM(r.cost_points) FROM reward_redemptions r WHERE r.student_id = s.id), 0) AS reward_points
FROM students s`,
    },
  ],
};
