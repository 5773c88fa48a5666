import { useState } from 'react';
import type { Student } from '../../../src/server/api-types.js';

interface Props {
  student: Student;
  busy: boolean;
  onRename: (name: string) => Promise<void>;
  onDelete: () => void;
}

/** A student with their totals; Rename edits the name in place (Enter saves, Escape cancels). */
export function StudentRow({ student: s, busy, onRename, onDelete }: Props) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(s.name);
  const save = async (): Promise<void> => {
    if (name.trim() && name.trim() !== s.name) await onRename(name.trim());
    setEditing(false);
  };
  return (
    <tr>
      <th scope="row">
        {editing ? (
          <form
            className="rename"
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <input
              aria-label={`New name for ${s.name}`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') {
                  setName(s.name);
                  setEditing(false);
                }
              }}
              autoFocus
              required
              maxLength={200}
            />
            <button type="submit" disabled={busy}>
              Save
            </button>
          </form>
        ) : (
          s.name
        )}
      </th>
      <td>{s.groupName ?? ''}</td>
      <td className="num">{s.totalScore}</td>
      <td className="num">{s.periodScore}</td>
      <td className="num">{s.rewardPoints}</td>
      <td>
        <div className="row-actions">
        {!editing ? (
          <button type="button" onClick={() => setEditing(true)} disabled={busy} aria-label={`Rename ${s.name}`}>
            Rename
          </button>
        ) : null}
        <button type="button" className="danger" onClick={onDelete} disabled={busy} aria-label={`Delete ${s.name}`}>
          Delete
        </button>
        </div>
      </td>
    </tr>
  );
}
