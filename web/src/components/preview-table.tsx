import type { SyncReport } from '../../../src/server/api-types.js';
import { ARROWS, humanize, plural, showValue } from '../format.js';

function Arrow({ direction }: { direction: keyof typeof ARROWS }) {
  const a = ARROWS[direction];
  return (
    <span className={`arrow arrow-${direction}`} title={a.label}>
      <span aria-hidden="true">{a.symbol}</span>
      <span className="sr-only">{a.label}</span>
    </span>
  );
}

const Num = ({ n }: { n: number }) => <td className={n ? 'num' : 'num zero'}>{n}</td>;

/**
 * A preview as a table by category: direction arrow, rows going up and coming down (new, changed,
 * deleted), conflicts (highlighted), totals; then the conflicting rows with both versions.
 */
export function PreviewTable({ report }: { report: SyncReport }) {
  const tables = Object.entries(report.tables);
  const pull = report.plannedFor === 'pull';
  return (
    <>
      <table className="preview">
        <caption>
          What a {report.plannedFor} would do now{report.firstSync ? ' (first sync with this hub)' : ''}: overall <Arrow direction={report.direction} />
        </caption>
        <thead>
          <tr>
            <th rowSpan={2} scope="col">
              Category
            </th>
            <th rowSpan={2} scope="col">
              Direction
            </th>
            <th colSpan={3} scope="colgroup">
              ↑ To the hub
            </th>
            <th colSpan={3} scope="colgroup">
              ↓ To this device
            </th>
            <th rowSpan={2} scope="col">
              Conflicts
            </th>
            {pull ? (
              <th rowSpan={2} scope="col">
                Discarded
              </th>
            ) : null}
          </tr>
          <tr>
            <th scope="col">new</th>
            <th scope="col">changed</th>
            <th scope="col">deleted</th>
            <th scope="col">new</th>
            <th scope="col">changed</th>
            <th scope="col">deleted</th>
          </tr>
        </thead>
        <tbody>
          {tables.map(([name, t]) => (
            <tr key={name} className={t.conflicts > 0 ? 'has-conflict' : t.direction === 'none' ? 'quiet' : undefined}>
              <th scope="row">{humanize(name)}</th>
              <td>
                <Arrow direction={t.direction} />
              </td>
              <Num n={t.up.add} />
              <Num n={t.up.update} />
              <Num n={t.up.delete} />
              <Num n={t.down.add} />
              <Num n={t.down.update} />
              <Num n={t.down.delete} />
              <td className={t.conflicts ? 'num conflict-cell' : 'num zero'}>{t.conflicts}</td>
              {pull ? <Num n={t.discards} /> : null}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td>
              <Arrow direction={report.direction} />
            </td>
            <Num n={report.totals.up.add} />
            <Num n={report.totals.up.update} />
            <Num n={report.totals.up.delete} />
            <Num n={report.totals.down.add} />
            <Num n={report.totals.down.update} />
            <Num n={report.totals.down.delete} />
            <td className={report.totals.conflicts ? 'num conflict-cell' : 'num zero'}>{report.totals.conflicts}</td>
            {pull ? <Num n={report.totals.discards} /> : null}
          </tr>
        </tfoot>
      </table>
      {report.conflicts.length > 0 ? (
        <div className="conflict-preview">
          <h3>{plural(report.conflicts.length, 'row')} changed on both sides</h3>
          <ul>
            {report.conflicts.map((c) => (
              <li key={`${c.table}:${c.id}`} className="conflict-row">
                <strong>{humanize(c.table)}</strong> {showValue(c.local?.name ?? c.server?.name ?? c.id)}:{' '}
                {c.local === null || c.server === null
                  ? c.local === null
                    ? 'deleted here, changed on the hub'
                    : 'changed here, deleted on the hub'
                  : c.fields.map((f) => (
                      <span key={f} className="field-diff">
                        {f}: <span className="local-value">{showValue(c.local?.[f])}</span> here, <span className="server-value">{showValue(c.server?.[f])}</span> on the
                        hub
                      </span>
                    ))}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}
