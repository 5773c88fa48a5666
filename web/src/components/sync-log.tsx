import type { LogView, TableCounts } from '../../../src/server/api-types.js';
import { when } from '../format.js';

/** `↑3 ↓1 ⚠1` from a run's per-table counts. */
function summarize(counts: unknown): string {
  if (!counts || typeof counts !== 'object') return '';
  let up = 0;
  let down = 0;
  let conflicts = 0;
  for (const t of Object.values(counts as Record<string, Partial<TableCounts>>)) {
    up += (t.up?.add ?? 0) + (t.up?.update ?? 0) + (t.up?.delete ?? 0);
    down += (t.down?.add ?? 0) + (t.down?.update ?? 0) + (t.down?.delete ?? 0);
    conflicts += t.conflicts ?? 0;
  }
  return [`↑${up}`, `↓${down}`, conflicts ? `${conflicts} conflict(s)` : ''].filter(Boolean).join(' ');
}

/** The sync log of this device and of the hub. */
export function SyncLog({ log }: { log: LogView }) {
  return (
    <div className="two-columns">
      <table className="log">
        <caption>This device</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Operation</th>
            <th scope="col">Result</th>
            <th scope="col">Rows</th>
          </tr>
        </thead>
        <tbody>
          {log.local.length === 0 ? (
            <tr>
              <td colSpan={4}>No runs yet.</td>
            </tr>
          ) : null}
          {log.local.map((e) => (
            <tr key={e.id}>
              <td>{when(e.startedAt)}</td>
              <td>{e.operation}</td>
              <td className={`result-${e.result}`}>
                {e.result}
                {e.error ? (
                  <span className="log-error">
                    {' '}
                    {e.error.code}: {e.error.message}
                  </span>
                ) : null}
              </td>
              <td>{summarize(e.counts)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="log">
        <caption>Hub</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Device</th>
            <th scope="col">Operation</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {log.hub === null ? (
            <tr>
              <td colSpan={4}>The hub cannot be reached: {log.hubError}</td>
            </tr>
          ) : log.hub.length === 0 ? (
            <tr>
              <td colSpan={4}>No runs yet.</td>
            </tr>
          ) : (
            log.hub.map((e) => (
              <tr key={e.id}>
                <td>{when(e.startedAt)}</td>
                <td>{e.deviceName ?? e.dbRole}</td>
                <td>{e.operation}</td>
                <td className={`result-${e.result}`}>{e.result}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
