// The classroom pages' reads and writes: plain SQL on the device store, so the store's triggers record
// every write as a local change for the next sync (as they would for any app writing the file).
// One function per statement family.
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LockstepError } from '../core/errors.js';
import type { Reason, ScoreEvent, Student, StudentScore } from './api-types.js';

const STUDENT_COLUMNS = `s.id, s.name, s.group_name AS groupName, s.notes, s.created_at AS createdAt,
  v.total_score AS totalScore, v.period_score AS periodScore, v.reward_points AS rewardPoints`;

/**
 * Students with their totals from the `student_scores` view, by name.
 *
 * @example
 * selectStudents(store.db).map((s) => `${s.name}: ${s.totalScore}`);
 */
export function selectStudents(db: Database.Database): Student[] {
  return db.prepare(`SELECT ${STUDENT_COLUMNS} FROM students s JOIN student_scores v ON v.student_id = s.id ORDER BY s.name COLLATE NOCASE, s.id`).all() as Student[];
}

/**
 * @example
 * selectStudent(store.db, id).totalScore;
 */
export function selectStudent(db: Database.Database, id: string): Student {
  const s = db.prepare(`SELECT ${STUDENT_COLUMNS} FROM students s JOIN student_scores v ON v.student_id = s.id WHERE s.id = ?`).get(id) as Student | undefined;
  if (!s) throw new LockstepError('E_NOT_FOUND', `no student ${id} on this device`);
  return s;
}

/**
 * @example
 * const id = insertStudent(store.db, { name: 'Ann', groupName: 'Red' });
 */
export function insertStudent(db: Database.Database, s: { name: string; groupName?: string | null; notes?: string | null }): string {
  const id = randomUUID();
  db.prepare('INSERT INTO students (id, name, group_name, notes, created_at) VALUES (?, ?, ?, ?, ?)').run(id, s.name, s.groupName ?? null, s.notes ?? null, new Date().toISOString());
  return id;
}

/**
 * Renames (and regroups, re-notes) a student: an update of the same row, never a new one.
 *
 * @example
 * updateStudent(store.db, id, { name: 'Ann Lee' });
 */
export function updateStudent(db: Database.Database, id: string, patch: { name?: string; groupName?: string | null; notes?: string | null }): void {
  const columns: Record<string, string | null | undefined> = { name: patch.name, group_name: patch.groupName, notes: patch.notes };
  const given = Object.entries(columns).filter((e): e is [string, string | null] => e[1] !== undefined);
  const sets = given.map(([column]) => `${column} = ?`);
  const values = given.map(([, value]) => value);
  if (sets.length === 0) return void selectStudent(db, id);
  const r = db.prepare(`UPDATE students SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  if (r.changes === 0) throw new LockstepError('E_NOT_FOUND', `no student ${id} on this device`);
}

/**
 * Deletes a student; their score events go with them (ON DELETE CASCADE), each recorded as a change.
 *
 * @example
 * deleteStudent(store.db, id);
 */
export function deleteStudent(db: Database.Database, id: string): void {
  const r = db.prepare('DELETE FROM students WHERE id = ?').run(id);
  if (r.changes === 0) throw new LockstepError('E_NOT_FOUND', `no student ${id} on this device`);
}

/**
 * @example
 * selectReasons(store.db).map((r) => r.content);
 */
export function selectReasons(db: Database.Database): Reason[] {
  return db.prepare('SELECT id, content, category, delta FROM reasons WHERE archived = 0 ORDER BY content COLLATE NOCASE, id').all() as Reason[];
}

/**
 * @example
 * insertReason(store.db, { content: 'Helped a classmate', delta: 2 });
 */
export function insertReason(db: Database.Database, r: { content: string; category?: string | null; delta: number }): Reason {
  const id = randomUUID();
  db.prepare('INSERT INTO reasons (id, content, category, delta, archived) VALUES (?, ?, ?, ?, 0)').run(id, r.content, r.category ?? null, r.delta);
  return { id, content: r.content, category: r.category ?? null, delta: r.delta };
}

function selectReason(db: Database.Database, id: string): Reason {
  const r = db.prepare('SELECT id, content, category, delta FROM reasons WHERE id = ?').get(id) as Reason | undefined;
  if (!r) throw new LockstepError('E_NOT_FOUND', `no reason ${id} on this device`);
  return r;
}

/**
 * Records a score (an append-only event). With a preset reason its text and, unless given, its points are
 * taken from the reason; otherwise both the text and the points are needed.
 *
 * @example
 * insertScoreEvent(store.db, { studentId, reasonId }); // text and points from the reason
 */
export function insertScoreEvent(db: Database.Database, e: { studentId: string; reasonId?: string; reasonText?: string; delta?: number }): ScoreEvent {
  const student = selectStudent(db, e.studentId);
  const reason = e.reasonId === undefined ? undefined : selectReason(db, e.reasonId);
  const reasonText = e.reasonText ?? reason?.content;
  const delta = e.delta ?? reason?.delta;
  if (reasonText === undefined || reasonText.trim() === '') throw new LockstepError('E_USAGE', 'a score needs a reason: pick a preset reason or write one');
  if (delta === undefined) throw new LockstepError('E_USAGE', 'a score needs its points (delta)');
  const id = randomUUID();
  const createdAt = new Date().toISOString();
  db.prepare('INSERT INTO score_events (id, student_id, reason_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    id,
    student.id,
    reason?.id ?? null,
    reasonText,
    delta,
    createdAt,
  );
  return { id, studentId: student.id, studentName: student.name, reasonId: reason?.id ?? null, reasonText, delta, createdAt };
}

/**
 * The newest score events (of one student when given).
 *
 * @example
 * selectScoreEvents(store.db, { studentId, limit: 10 });
 */
export function selectScoreEvents(db: Database.Database, opts: { studentId?: string; limit: number }): ScoreEvent[] {
  return db
    .prepare(
      `SELECT e.id, e.student_id AS studentId, s.name AS studentName, e.reason_id AS reasonId, e.reason_text AS reasonText, e.delta, e.created_at AS createdAt
       FROM score_events e JOIN students s ON s.id = e.student_id
       WHERE (? IS NULL OR e.student_id = ?) ORDER BY e.created_at DESC, e.id LIMIT ?`,
    )
    .all(opts.studentId ?? null, opts.studentId ?? null, opts.limit) as ScoreEvent[];
}

/**
 * The `student_scores` view, highest total first.
 *
 * @example
 * selectTotals(store.db)[0]?.totalScore;
 */
export function selectTotals(db: Database.Database): StudentScore[] {
  return db
    .prepare(
      `SELECT student_id AS studentId, name, total_score AS totalScore, period_score AS periodScore, reward_points AS rewardPoints
       FROM student_scores ORDER BY total_score DESC, name COLLATE NOCASE`,
    )
    .all() as StudentScore[];
}
