import { useState } from 'react';
import type { ConflictInfo, ResolveInput, Row } from '../../../src/server/api-types.js';
import { humanize, showValue } from '../format.js';

type Choice = 'local' | 'server' | 'custom';

interface Props {
  conflict: ConflictInfo;
  busy: boolean;
  onResolve: (input: ResolveInput) => void;
}

/**
 * One held-back conflict: both versions (and the common base) field by field; keep this device's version,
 * keep the hub's, or merge choosing each field changed on both sides (or typing a new value).
 */
export function ConflictResolver({ conflict: c, busy, onResolve }: Props) {
  const [choices, setChoices] = useState<Record<string, Choice>>(() => Object.fromEntries(c.fields.map((f) => [f, 'local' as Choice])));
  const [custom, setCustom] = useState<Record<string, string>>(() => Object.fromEntries(c.fields.map((f) => [f, showValue(c.local?.[f] ?? null)])));
  const deleted = c.local === null || c.server === null;
  const columns = Object.keys(c.local ?? c.server ?? {});
  const differs = (f: string): boolean => showValue(c.local?.[f]) !== showValue(c.server?.[f]);
  const textual = (f: string): boolean => typeof c.local?.[f] === 'string' || typeof c.server?.[f] === 'string';
  const label = showValue(c.local?.name ?? c.server?.name ?? c.id);
  const headingId = `conflict-${c.table}-${c.id}`.replace(/[^a-zA-Z0-9_-]/g, '_');

  const merge = (): void => {
    const set: Row = {};
    for (const f of c.fields) {
      const choice = choices[f] ?? 'local';
      set[f] = choice === 'custom' ? (custom[f] ?? '') : choice === 'local' ? (c.local?.[f] ?? null) : (c.server?.[f] ?? null);
    }
    onResolve({ table: c.table, id: c.id, keep: 'merge', set });
  };

  return (
    <article className="conflict-card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {humanize(c.table)} · {label}
      </h3>
      <p className="hint">
        {deleted
          ? c.local === null
            ? 'Deleted on this device, changed on the hub.'
            : 'Changed on this device, deleted on the hub.'
          : `Changed on both sides: ${c.fields.join(', ')}.`}{' '}
        <code className="row-id">{c.id}</code>
      </p>
      <table className="conflict-fields">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">This device</th>
            <th scope="col">Hub</th>
            {!deleted ? <th scope="col">Merged value</th> : null}
          </tr>
        </thead>
        <tbody>
          {columns
            .filter((f) => differs(f) || c.fields.includes(f))
            .map((f) => {
              const both = c.fields.includes(f);
              const name = `${headingId}-${f}`;
              return (
                <tr key={f} className={both ? 'has-conflict' : undefined}>
                  <th scope="row">{f}</th>
                  <td>{showValue(c.base?.[f])}</td>
                  <td className="local-value">{showValue(c.local?.[f])}</td>
                  <td className="server-value">{showValue(c.server?.[f])}</td>
                  {!deleted ? (
                    <td>
                      {both ? (
                        <fieldset className="merge-choice">
                          <legend className="sr-only">Merged value of {f}</legend>
                          {(textual(f) ? (['local', 'server', 'custom'] as const) : (['local', 'server'] as const)).map((choice) => (
                            <label key={choice}>
                              <input
                                type="radio"
                                name={name}
                                checked={choices[f] === choice}
                                onChange={() => setChoices((x) => ({ ...x, [f]: choice }))}
                              />{' '}
                              {choice === 'local' ? 'this device' : choice === 'server' ? 'hub' : 'other:'}
                            </label>
                          ))}
                          {choices[f] === 'custom' ? (
                            <input
                              aria-label={`New value of ${f}`}
                              value={custom[f] ?? ''}
                              onChange={(e) => setCustom((x) => ({ ...x, [f]: e.target.value }))}
                            />
                          ) : null}
                        </fieldset>
                      ) : (
                        <span className="hint">merged automatically</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              );
            })}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => onResolve({ table: c.table, id: c.id, keep: 'local' })}>
          Keep this device’s version
        </button>
        <button type="button" disabled={busy} onClick={() => onResolve({ table: c.table, id: c.id, keep: 'server' })}>
          Keep the hub’s version
        </button>
        {!deleted ? (
          <button type="button" className="primary" disabled={busy} onClick={merge}>
            Merge
          </button>
        ) : null}
      </div>
    </article>
  );
}
