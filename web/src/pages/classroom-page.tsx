import { useEffect, useState, type FormEvent } from 'react';
import type { DeviceSummary, Reason, ScoreEvent, Student } from '../../../src/server/api-types.js';
import { api, devicePath } from '../api-client.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ErrorMessage, Notice } from '../components/error-message.js';
import { Field } from '../components/field.js';
import { StudentRow } from '../components/student-row.js';
import { when } from '../format.js';
import { useLoad } from '../use-load.js';

const OTHER = '';

/** Students (add, rename, delete), recording a score with a reason, and the totals. */
export function ClassroomPage({ device, onChanged }: { device: DeviceSummary; onChanged: () => void }) {
  const base = devicePath(device.name, '/classroom');
  const students = useLoad(() => api<{ students: Student[] }>('GET', `${base}/students`), `${base}:students`);
  const reasons = useLoad(() => api<{ reasons: Reason[] }>('GET', `${base}/reasons`), `${base}:reasons`);
  const events = useLoad(() => api<{ events: ScoreEvent[] }>('GET', `${base}/score-events?limit=8`), `${base}:events`);
  const [newName, setNewName] = useState('');
  const [newGroup, setNewGroup] = useState('');
  const [scoreStudent, setScoreStudent] = useState('');
  const [scoreReason, setScoreReason] = useState(OTHER);
  const [reasonText, setReasonText] = useState('');
  const [points, setPoints] = useState('1');
  const [deleting, setDeleting] = useState<Student>();
  const [busy, setBusy] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();

  const list = students.data?.students ?? [];
  const presets = reasons.data?.reasons ?? [];
  const classTotal = list.reduce((n, s) => n + s.totalScore, 0);

  // Start with the first preset reason once they are loaded.
  const firstPreset = presets[0];
  useEffect(() => {
    if (firstPreset && scoreReason === OTHER && reasonText === '') {
      setScoreReason(firstPreset.id);
      setPoints(String(firstPreset.delta));
    }
  }, [firstPreset?.id]);

  const act = async (what: string, fn: () => Promise<string>): Promise<void> => {
    setBusy(what);
    setError(undefined);
    setNotice(undefined);
    try {
      setNotice(await fn());
      await Promise.all([students.reload(), events.reload(), reasons.reload()]);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const addStudent = (e: FormEvent): void => {
    e.preventDefault();
    void act('add', async () => {
      const s = await api<Student>('POST', `${base}/students`, { name: newName.trim(), ...(newGroup.trim() ? { groupName: newGroup.trim() } : {}) });
      setNewName('');
      setNewGroup('');
      return `Added ${s.name}.`;
    });
  };

  const record = (e: FormEvent): void => {
    e.preventDefault();
    void act('score', async () => {
      const body = {
        studentId: scoreStudent,
        delta: Number(points),
        ...(scoreReason !== OTHER ? { reasonId: scoreReason } : { reasonText: reasonText.trim() }),
      };
      const ev = await api<ScoreEvent>('POST', `${base}/score-events`, body);
      return `Recorded ${ev.delta > 0 ? '+' : ''}${ev.delta} for ${ev.studentName} (${ev.reasonText}).`;
    });
  };

  const pickReason = (id: string): void => {
    setScoreReason(id);
    const r = presets.find((p) => p.id === id);
    if (r) setPoints(String(r.delta));
  };

  const rename = (s: Student, name: string): Promise<void> =>
    act(`rename:${s.id}`, async () => {
      await api('PATCH', `${base}/students/${s.id}`, { name });
      return `Renamed ${s.name} to ${name}.`;
    });

  return (
    <>
      <Notice text={notice} />
      <ErrorMessage error={error} />
      <div className="two-columns">
        <section className="panel" aria-labelledby="add-heading">
          <h2 id="add-heading">Add a student</h2>
          <form className="inline-form" onSubmit={addStudent}>
            <Field label="Name">
              <input value={newName} onChange={(e) => setNewName(e.target.value)} required maxLength={200} />
            </Field>
            <Field label="Group">
              <input value={newGroup} onChange={(e) => setNewGroup(e.target.value)} maxLength={200} />
            </Field>
            <button type="submit" className="primary" disabled={busy !== undefined || newName.trim() === ''}>
              Add student
            </button>
          </form>
        </section>
        <section className="panel" aria-labelledby="score-heading">
          <h2 id="score-heading">Record a score</h2>
          <form className="inline-form" onSubmit={record}>
            <Field label="Student">
              <select value={scoreStudent} onChange={(e) => setScoreStudent(e.target.value)} required>
                <option value="">Choose…</option>
                {list.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Reason">
              <select value={scoreReason} onChange={(e) => pickReason(e.target.value)}>
                {presets.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.content} ({r.delta > 0 ? '+' : ''}
                    {r.delta})
                  </option>
                ))}
                <option value={OTHER}>Other reason…</option>
              </select>
            </Field>
            {scoreReason === OTHER ? (
              <Field label="Other reason">
                <input value={reasonText} onChange={(e) => setReasonText(e.target.value)} required maxLength={500} />
              </Field>
            ) : null}
            <Field label="Points">
              <input value={points} onChange={(e) => setPoints(e.target.value)} inputMode="numeric" pattern="-?[0-9]+" required className="short" />
            </Field>
            <button
              type="submit"
              className="primary"
              disabled={busy !== undefined || scoreStudent === '' || !/^-?\d+$/.test(points) || (scoreReason === OTHER && reasonText.trim() === '')}
            >
              Record
            </button>
          </form>
        </section>
      </div>

      <section className="panel" aria-labelledby="students-heading">
        <h2 id="students-heading">Students and totals</h2>
        <ErrorMessage error={students.error} />
        <table className="students">
          <caption className="sr-only">Students with their scores from the student_scores view</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Group</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col" className="num">
                This period
              </th>
              <th scope="col" className="num">
                Reward points
              </th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.length === 0 && students.data ? (
              <tr>
                <td colSpan={6}>No students yet.</td>
              </tr>
            ) : null}
            {list.map((s) => (
              <StudentRow key={s.id} student={s} busy={busy !== undefined} onRename={(name) => rename(s, name)} onDelete={() => setDeleting(s)} />
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Class total
              </th>
              <td className="num">{classTotal}</td>
              <td colSpan={3} />
            </tr>
          </tfoot>
        </table>
      </section>

      <section className="panel" aria-labelledby="events-heading">
        <h2 id="events-heading">Recent scores</h2>
        <ul className="events">
          {(events.data?.events ?? []).map((e) => (
            <li key={e.id}>
              <span className={e.delta >= 0 ? 'delta plus' : 'delta minus'}>
                {e.delta > 0 ? '+' : ''}
                {e.delta}
              </span>{' '}
              <strong>{e.studentName}</strong> — {e.reasonText} <span className="hint">{when(e.createdAt)}</span>
            </li>
          ))}
          {events.data?.events.length === 0 ? <li className="hint">No scores yet.</li> : null}
        </ul>
      </section>

      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete student"
          danger
          busy={busy === 'delete'}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() =>
            void act('delete', async () => {
              await api('DELETE', `${base}/students/${deleting.id}`);
              const name = deleting.name;
              setDeleting(undefined);
              return `Deleted ${name} and their scores. The next sync deletes them on every device.`;
            })
          }
        >
          <p>
            {deleting.name} and all their score events ({deleting.totalScore} points in total) are deleted on this device, and on every other device after
            the next sync.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
