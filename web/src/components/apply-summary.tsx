import type { SyncReport } from '../../../src/server/api-types.js';
import { describeCounts, humanize, plural, total } from '../format.js';

export type ApplyOperation = 'push' | 'pull' | 'sync';

export const OPERATION_TITLES: Record<ApplyOperation, string> = {
  push: 'Apply this device’s changes to the hub?',
  pull: 'Pull the hub’s data to this device?',
  sync: 'Sync both ways?',
};

function lines(report: SyncReport, side: 'up' | 'down'): { table: string; text: string; overwrites: number }[] {
  return Object.entries(report.tables)
    .filter(([, t]) => total(t[side]) > 0)
    .map(([name, t]) => ({ table: humanize(name), text: describeCounts(t[side]), overwrites: t[side].update + t[side].delete }));
}

/**
 * What a confirmed push, pull or sync will do, naming what is overwritten or discarded on each side.
 */
export function ApplySummary({ operation, report }: { operation: ApplyOperation; report: SyncReport }) {
  const up = operation === 'pull' ? [] : lines(report, 'up');
  const down = operation === 'push' ? [] : lines(report, 'down');
  const overwrittenOnHub = up.reduce((n, l) => n + l.overwrites, 0);
  const overwrittenHere = down.reduce((n, l) => n + l.overwrites, 0);
  const nothing = up.length === 0 && down.length === 0 && report.totals.discards === 0;
  return (
    <div className="apply-summary">
      {nothing ? <p>Nothing to {operation === 'push' ? 'send' : 'bring'}: both sides already agree{report.totals.conflicts ? ' apart from the conflicts' : ''}.</p> : null}
      <SideChanges title="↑ Written to the hub" lines={up} overwritten={overwrittenOnHub} where="on the hub" by="this device’s version" />
      <SideChanges title="↓ Written to this device" lines={down} overwritten={overwrittenHere} where="on this device" by="the hub’s version" />
      {report.totals.discards > 0 ? (
        <>
          <h3 className="danger-text">Discarded on this device</h3>
          <p>
            {plural(report.totals.discards, 'unsynced local change')} will be replaced by the hub’s version
            {report.discarded.length > 0 ? ':' : '.'}
          </p>
          <ul className="compact">
            {report.discarded.slice(0, 20).map((d) => (
              <li key={`${d.table}:${d.id}`}>
                {humanize(d.table)} <code>{d.id}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {operation === 'pull' ? <p className="hint">The device file is backed up first.</p> : null}
      {report.totals.conflicts > 0 && operation !== 'pull' ? (
        <p className="hint">
          {plural(report.totals.conflicts, 'conflicting row')} will be held back (nothing written for them on either side) and listed for you to resolve.
        </p>
      ) : null}
    </div>
  );
}

/** One side's changes, table by table, and how many of its rows the other side's version replaces. */
function SideChanges(p: { title: string; lines: { table: string; text: string }[]; overwritten: number; where: string; by: string }) {
  if (p.lines.length === 0) return null;
  return (
    <>
      <h3>{p.title}</h3>
      <ul>
        {p.lines.map((l) => (
          <li key={l.table}>
            {l.table}: {l.text}
          </li>
        ))}
      </ul>
      {p.overwritten > 0 ? (
        <p className="warn">
          {plural(p.overwritten, 'row')} {p.where} will be overwritten or deleted by {p.by}.
        </p>
      ) : null}
    </>
  );
}
