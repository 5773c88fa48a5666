import type { PrecheckView } from '../../../src/server/api-types.js';

/** The pre-check: each check passed or failed, with what it found. */
export function PrecheckList({ report }: { report: PrecheckView }) {
  return (
    <div className={`precheck ${report.ok ? 'ok' : 'failed'}`}>
      <p>
        <strong>{report.ok ? 'Pre-check passed: a sync can run.' : 'Pre-check found problems.'}</strong>
      </p>
      <ul className="checks">
        {report.checks.map((c) => (
          <li key={c.name} className={c.ok ? 'check-ok' : 'check-failed'}>
            <span aria-hidden="true">{c.ok ? '✓' : '✗'}</span> <span className="sr-only">{c.ok ? 'passed:' : 'failed:'}</span> <strong>{c.name}</strong>
            {c.code ? <code> {c.code}</code> : null} — {c.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
