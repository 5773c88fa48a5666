import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ReplicationConfigView, ReplicationMode, UrlProblem } from '../../../src/server/api-types.js';
import { api, ApiError } from '../api-client.js';
import { ErrorMessage } from './error-message.js';
import { Field } from './field.js';

export interface ReplicationFormValues {
  name: string;
  url: string;
  scope: string;
  mode: ReplicationMode;
  intervalSeconds: number | null;
  targetSchema?: string;
}

interface Props {
  /** The replications API of the device. */
  base: string;
  initial?: ReplicationConfigView;
  submitLabel: string;
  onSubmit: (values: ReplicationFormValues) => Promise<void>;
  onCancel?: () => void;
}

function problemsOf(e: unknown): UrlProblem[] | undefined {
  if (!(e instanceof ApiError) || (e.code !== 'E_URL_INVALID' && e.code !== 'E_URL_FORBIDDEN')) return undefined;
  const p = e.details?.problems;
  return Array.isArray(p) ? (p as UrlProblem[]) : undefined;
}

/**
 * Name, target URL (checked as you type, every problem named by its part: scheme, host, port, user…),
 * scope, mode and interval. The password in the URL is stored encrypted; an edit shows it as ****, and
 * leaving **** keeps it.
 */
export function ReplicationForm({ base, initial, submitLabel, onSubmit, onCancel }: Props) {
  const id = useId();
  const [name, setName] = useState(initial?.name ?? '');
  const [url, setUrl] = useState(initial?.targetUrl ?? '');
  const [scope, setScope] = useState(initial?.scopeText ?? 'all');
  const [mode, setMode] = useState<ReplicationMode>(initial?.mode ?? 'manual');
  const [interval, setIntervalText] = useState(String(initial?.intervalSeconds ?? 300));
  const [targetSchema, setTargetSchema] = useState(initial?.targetSchema ?? '');
  const [problems, setProblems] = useState<UrlProblem[]>([]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const checked = useRef('');

  // Check the URL shortly after typing stops (the server applies its private-address policy too).
  useEffect(() => {
    if (url.trim() === '' || url === checked.current) return;
    const t = setTimeout(() => {
      checked.current = url;
      api<{ ok: boolean; problems: UrlProblem[] }>('POST', `${base}/check-url`, { url })
        .then((r) => setProblems(r.problems))
        .catch(() => undefined);
    }, 400);
    return () => clearTimeout(t);
  }, [url, base]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit({
        name: name.trim(),
        url: url.trim(),
        scope: scope.trim() || 'all',
        mode,
        intervalSeconds: mode === 'continuous' ? Number(interval) : null,
        ...(targetSchema.trim() ? { targetSchema: targetSchema.trim() } : {}),
      });
    } catch (err) {
      const p = problemsOf(err);
      if (p) setProblems(p);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const urlInvalid = problems.length > 0;
  return (
    <form className="grid-form replication-form" onSubmit={(e) => void submit(e)} noValidate>
      <Field label="Name">
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </Field>
      <Field
        label="Target database URL"
        className="wide"
        hint={`A PostgreSQL database you own. The password is stored encrypted${initial ? '; leave **** to keep the saved one' : ''}.`}
      >
        <input
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          required
          spellCheck={false}
          autoComplete="off"
          placeholder="postgres://user:password@db.example.com:5432/backup?sslmode=require"
          aria-invalid={urlInvalid}
          aria-describedby={`${id}-url-problems`}
        />
      </Field>
      <ul id={`${id}-url-problems`} className="field-problems wide" aria-live="polite" aria-label="Problems with the URL">
        {problems.map((p) => (
          <li key={`${p.field}:${p.message}`}>
            <strong>{p.field}</strong>: {p.message}
          </li>
        ))}
      </ul>
      <Field label="Scope" hint="all, or table:key (one row and everything that belongs to it)">
        <input value={scope} onChange={(e) => setScope(e.target.value)} spellCheck={false} />
      </Field>
      <Field label="Mode">
        <select value={mode} onChange={(e) => setMode(e.target.value as ReplicationMode)}>
          <option value="manual">manual — run when I ask</option>
          <option value="continuous">continuous — every interval (needs a worker)</option>
        </select>
      </Field>
      {mode === 'continuous' ? (
        <Field label="Interval (seconds)">
          <input value={interval} onChange={(e) => setIntervalText(e.target.value)} inputMode="numeric" pattern="[0-9]+" />
        </Field>
      ) : null}
      <Field label="Target schema (optional)">
        <input value={targetSchema} onChange={(e) => setTargetSchema(e.target.value)} spellCheck={false} placeholder="the dataset’s name" />
      </Field>
      <div className="actions wide">
        <button type="submit" className="primary" disabled={busy || name.trim() === '' || url.trim() === ''}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        ) : null}
      </div>
      <div className="wide">
        <ErrorMessage error={error} />
      </div>
    </form>
  );
}
