import { ApiError } from '../api-client.js';

/** An error as the API gave it: its code and its message (which says what to do). */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiError ? error.code : 'E_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="message error" role="alert">
      <strong>{code}</strong> <span className="pre-line">{message}</span>
    </div>
  );
}

/** A short success or progress note, announced to screen readers. */
export function Notice({ text }: { text: string | undefined }) {
  return (
    <div className="notice-slot" role="status" aria-live="polite">
      {text ? <div className="message ok">{text}</div> : null}
    </div>
  );
}
