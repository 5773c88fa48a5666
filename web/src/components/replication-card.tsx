import { useState } from 'react';
import type { ReplicationConfigView, ReplicationProgress, ReplicationRunView } from '../../../src/server/api-types.js';
import { api } from '../api-client.js';
import { humanize, plural, when } from '../format.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { ErrorMessage } from './error-message.js';
import { ReplicationForm, type ReplicationFormValues } from './replication-form.js';
import { StatusBadge } from './status-badge.js';
import { useAction } from '../use-action.js';

interface Props {
  /** The replications API of the device. */
  base: string;
  config: ReplicationConfigView;
  onChanged: () => Promise<void>;
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

const PHASES: Record<ReplicationProgress['phase'], string> = {
  connect: 'Connecting to the target',
  schema: 'Checking the target’s tables',
  scope: 'Finding the rows to copy',
  copy: 'Copying',
  delete: 'Removing rows no longer in scope',
  verify: 'Checking row counts',
  commit: 'Committing',
};

function ProgressBar({ p }: { p: ReplicationProgress }) {
  const table = p.table ? ` ${humanize(p.table)} (${p.tableRowsDone}/${p.tableRowsTotal})` : '';
  const rows = p.rowsTotal > 0 ? ` · ${p.rowsDone} of ${p.rowsTotal} rows` : '';
  const eta = p.etaMs !== null && p.rowsTotal > 0 ? `, about ${Math.ceil(p.etaMs / 1000)} s left` : '';
  return (
    <div className="progress">
      {p.rowsTotal > 0 ? <progress max={p.rowsTotal} value={p.rowsDone} aria-label="Rows copied so far" /> : <progress aria-label="Replication running" />}
      <span>
        {PHASES[p.phase]}
        {table}
        {rows}
        {eta}
      </span>
    </div>
  );
}

/** One replication: status badge, last sync, rows copied, error, live progress; run, edit, history, delete. */
export function ReplicationCard({ base, config: c, onChanged }: Props) {
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [history, setHistory] = useState<ReplicationRunView[]>();
  const { busy, error, act } = useAction();
  const path = `${base}/${encodeURIComponent(c.id)}`;
  const headingId = `rep-${c.id}`;

  const loadHistory = async (): Promise<void> => setHistory((await api<{ runs: ReplicationRunView[] }>('GET', `${path}/history?limit=10`)).runs);

  const edit = async (v: ReplicationFormValues): Promise<void> => {
    await api('PATCH', path, v);
    setEditing(false);
    await onChanged();
  };

  const copied = sum(c.rowsCopied);
  return (
    <article className={`card status-${c.status.toLowerCase()}`} aria-labelledby={headingId} aria-busy={c.status === 'IN_PROGRESS'}>
      <header className="card-head">
        <h3 id={headingId}>{c.name}</h3>
        <StatusBadge status={c.status} />
      </header>
      <dl className="facts">
        <dt>Target</dt>
        <dd>
          <code>{c.targetUrl}</code> (schema {c.targetSchema})
        </dd>
        <dt>Scope</dt>
        <dd>{c.scopeText}</dd>
        <dt>Mode</dt>
        <dd>{c.mode === 'continuous' ? `continuous, every ${plural(c.intervalSeconds ?? 0, 'second')}` : 'manual'}</dd>
        <dt>Last sync</dt>
        <dd>{c.lastSuccessAt ? when(c.lastSuccessAt) : 'never'}</dd>
        <dt>Rows copied, last run</dt>
        <dd>
          {copied}
          {copied > 0 ? (
            <span className="hint">
              {' '}
              (
              {Object.entries(c.rowsCopied)
                .filter(([, n]) => n > 0)
                .map(([t, n]) => `${humanize(t)} ${n}`)
                .join(', ')}
              )
            </span>
          ) : null}
        </dd>
      </dl>
      {c.status === 'IN_PROGRESS' && c.progress ? <ProgressBar p={c.progress} /> : null}
      {c.status === 'FAILED' && c.lastError ? (
        <p className="message error card-error">
          <strong>{c.lastError.code}</strong> {c.lastError.message}
          <span className="hint"> (failed {when(c.lastFinishedAt)})</span>
        </p>
      ) : null}
      <ErrorMessage error={error} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy !== undefined || c.status === 'IN_PROGRESS'}
          onClick={() =>
            void act('run', async () => {
              await api('POST', `${path}/run`, {});
              await onChanged();
              if (history) await loadHistory();
            })
          }
        >
          {c.status === 'IN_PROGRESS' ? 'Running…' : busy === 'run' ? 'Starting…' : 'Run now'}
        </button>
        <button type="button" onClick={() => setEditing((e) => !e)} disabled={busy !== undefined} aria-expanded={editing}>
          Edit
        </button>
        <button
          type="button"
          onClick={() => void act('history', async () => (history ? setHistory(undefined) : loadHistory()))}
          disabled={busy !== undefined}
          aria-expanded={history !== undefined}
        >
          History
        </button>
        <button type="button" className="danger" onClick={() => setConfirmDelete(true)} disabled={busy !== undefined || c.status === 'IN_PROGRESS'}>
          Delete
        </button>
      </div>
      {editing ? <ReplicationForm base={base} initial={c} submitLabel="Save changes" onSubmit={edit} onCancel={() => setEditing(false)} /> : null}
      {history ? (
        <table className="history">
          <caption>Recent runs of {c.name}</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Status</th>
              <th scope="col">Kind</th>
              <th scope="col">Rows</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {history.length === 0 ? (
              <tr>
                <td colSpan={5}>No runs yet.</td>
              </tr>
            ) : null}
            {history.map((r) => (
              <tr key={r.id}>
                <td>{when(r.startedAt)}</td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>{r.kind ?? '—'}</td>
                <td className="num">{sum(r.rowsCopied)}</td>
                <td>{r.error ? `${r.error.code}: ${r.error.message}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete the replication “${c.name}”?`}
          confirmLabel="Delete"
          danger
          busy={busy === 'delete'}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() =>
            void act('delete', async () => {
              await api('DELETE', path);
              setConfirmDelete(false);
              await onChanged();
            })
          }
        >
          <p>Its settings and run history are deleted. The tables and rows already copied to the target stay there.</p>
        </ConfirmDialog>
      ) : null}
    </article>
  );
}
