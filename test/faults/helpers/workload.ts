import { randomUUID } from 'node:crypto';
import type { LocalStore } from '../../../src/store/local-store.js';

const NAMES = ['Ann', 'Bob', 'Cy', 'Di', 'Eve', 'Fay'];

/** Random classroom edits through plain SQL, as an app would make them. Returns the ids of events made. */
export function randomEdits(store: LocalStore, n: number, rnd: () => number, opts: { deletes?: boolean } = {}): string[] {
  const events: string[] = [];
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(rnd() * xs.length)];
  for (let i = 0; i < n; i++) {
    const students = (store.db.prepare('SELECT id FROM students').all() as { id: string }[]).map((r) => r.id);
    const tags = (store.db.prepare('SELECT id FROM tags').all() as { id: string }[]).map((r) => r.id);
    const r = rnd();
    const s = pick(students);
    const now = new Date().toISOString();
    if (r < 0.2 || s === undefined) {
      store.db.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)').run(randomUUID(), pick(NAMES) ?? 'Ann', now);
    } else if (r < 0.55) {
      const id = randomUUID();
      store.db.prepare('INSERT INTO score_events (id, student_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?)').run(id, s, 'r', Math.floor(rnd() * 9) - 3, now);
      events.push(id);
    } else if (r < 0.7) {
      store.db.prepare('UPDATE students SET name = ? WHERE id = ?').run(pick(NAMES) ?? 'Ann', s);
    } else if (r < 0.8) {
      store.db.prepare('UPDATE students SET notes = ? WHERE id = ?').run(`note ${Math.floor(rnd() * 1000)}`, s);
    } else if (r < 0.88) {
      if (tags.length < 4) store.db.prepare('INSERT INTO tags (id, name) VALUES (?, ?)').run(randomUUID(), `tag ${Math.floor(rnd() * 100)}`);
      else store.db.prepare('UPDATE tags SET color = ? WHERE id = ?').run(pick(['red', 'blue', null]) ?? null, pick(tags));
    } else if (r < 0.95) {
      const t = pick(tags);
      if (t) store.db.prepare('INSERT OR IGNORE INTO student_tags (student_id, tag_id) VALUES (?, ?)').run(s, t);
    } else if (opts.deletes !== false && students.length > 3) {
      store.db.prepare('DELETE FROM students WHERE id = ?').run(s);
    }
  }
  return events;
}
