import { useState } from 'react';
import type { ConflictInfo, DeviceSummary, LogView, PrecheckView, ResolveInput, SyncReport } from '../../../src/server/api-types.js';
import { api, devicePath } from '../api-client.js';
import { ApplySummary, OPERATION_TITLES, type ApplyOperation } from '../components/apply-summary.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ConflictResolver } from '../components/conflict-resolver.js';
import { ErrorMessage, Notice } from '../components/error-message.js';
import { PrecheckList } from '../components/precheck-list.js';
import { PreviewTable } from '../components/preview-table.js';
import { SyncLog } from '../components/sync-log.js';
import { plural, total } from '../format.js';
import { useAction } from '../use-action.js';
import { useLoad } from '../use-load.js';

interface Pending {
  operation: ApplyOperation;
  report: SyncReport;
  discard: boolean;
}

const LABELS: Record<ApplyOperation, string> = { push: 'Apply ↑', pull: 'Pull ↓', sync: 'Sync ⇅' };

function outcome(op: ApplyOperation, r: SyncReport & { backup?: string }): string {
  const parts = [`${op === 'push' ? 'Applied' : op === 'pull' ? 'Pulled' : 'Synced'}:`];
  if (op !== 'pull') parts.push(`${plural(total(r.totals.up), 'row')} sent to the hub`);
  if (op !== 'push') parts.push(`${plural(total(r.totals.down), 'row')} brought to this device`);
  if (r.totals.discards) parts.push(`${plural(r.totals.discards, 'local change')} discarded`);
  if (r.totals.conflicts) parts.push(`${plural(r.totals.conflicts, 'conflict')} held back for you to resolve below`);
  return `${parts[0]} ${parts.slice(1).join('; ')}.`;
}

/** Preview by category, pre-check, Apply / Pull / Sync with confirmation, conflicts to resolve, the log. */
export function SyncPage({ device, onChanged }: { device: DeviceSummary; onChanged: () => void }) {
  const path = (rest: string): string => devicePath(device.name, rest);
  // Without a saved connection there is no hub to preview against or to read the log from.
  const live = device.connected;
  const preview = useLoad(() => (live ? api<SyncReport>('GET', path('/preview?for=sync')) : Promise.resolve(undefined)), `${device.name}:preview:${live}`);
  const conflicts = useLoad(() => api<{ conflicts: ConflictInfo[] }>('GET', path('/conflicts')), `${device.name}:conflicts`);
  const log = useLoad(() => (live ? api<LogView>('GET', path('/log?limit=8')) : Promise.resolve(undefined)), `${device.name}:log:${live}`);
  const [precheck, setPrecheck] = useState<PrecheckView>();
  const [pending, setPending] = useState<Pending>();
  const [notice, setNotice] = useState<string>();
  const { busy, error, act } = useAction(() => setNotice(undefined));

  const refresh = async (): Promise<void> => {
    await Promise.all([preview.reload(), conflicts.reload(), log.reload()]);
    onChanged();
  };

  const ask = (operation: ApplyOperation): Promise<void> =>
    act(operation, async () => {
      const report = await api<SyncReport>('GET', path(`/preview?for=${operation}`));
      setPending({ operation, report, discard: false });
    });

  const confirm = (): Promise<void> =>
    act('apply', async () => {
      if (!pending) return;
      const { operation, report, discard } = pending;
      const body = operation === 'pull' ? { fingerprint: report.fingerprint, discardLocal: discard } : { fingerprint: report.fingerprint };
      try {
        const r = await api<SyncReport>('POST', path(`/${operation}`), body);
        setNotice(outcome(operation, r));
      } finally {
        setPending(undefined);
        await refresh();
      }
    });

  const resolve = (input: ResolveInput): Promise<void> =>
    act('resolve', async () => {
      await api('POST', path('/conflicts/resolve'), input);
      setNotice(`Resolved (${input.keep === 'local' ? 'kept this device’s version' : input.keep === 'server' ? 'kept the hub’s version' : 'merged'}). Apply or sync to send it to the hub.`);
      await refresh();
    });

  const report = preview.data;
  const held = conflicts.data?.conflicts ?? [];
  const needsDiscard = pending?.operation === 'pull' && pending.report.totals.discards > 0;

  return (
    <>
      <section className="panel" aria-labelledby="preview-heading">
        <div className="panel-head">
          <h2 id="preview-heading">Preview</h2>
          <div className="actions">
            <button type="button" onClick={() => void act('refresh', refresh)} disabled={busy !== undefined}>
              {busy === 'refresh' ? 'Refreshing…' : 'Refresh preview'}
            </button>
            <button type="button" onClick={() => void act('precheck', async () => setPrecheck(await api<PrecheckView>('POST', path('/precheck'))))} disabled={busy !== undefined}>
              {busy === 'precheck' ? 'Checking…' : 'Run pre-check'}
            </button>
            {(['push', 'pull', 'sync'] as const).map((op) => (
              <button key={op} type="button" className={op === 'push' ? 'primary' : undefined} onClick={() => void ask(op)} disabled={busy !== undefined || !device.connected}>
                {busy === op ? 'Previewing…' : LABELS[op]}
              </button>
            ))}
          </div>
        </div>
        <p className="hint">Nothing changes until you confirm. ↑ sends this device’s changes, ↓ brings the hub’s, ⇅ does both.</p>
        <Notice text={notice} />
        <ErrorMessage error={error} />
        {!device.connected ? <p className="message warn-box">This device has no hub connection yet: set it on the Connection page.</p> : null}
        <ErrorMessage error={preview.error} />
        {report ? <PreviewTable report={report} /> : preview.loading && live ? <p aria-busy="true">Loading the preview…</p> : null}
        {report && report.totals.conflicts > held.length ? (
          <p className="message warn-box">
            Sync or Apply to send everything else; the conflicting rows are then held back and listed under “Conflicts to resolve”, where you choose
            which version to keep.
          </p>
        ) : null}
        {precheck ? <PrecheckList report={precheck} /> : null}
      </section>

      <section className="panel" aria-labelledby="conflicts-heading">
        <h2 id="conflicts-heading">Conflicts to resolve {held.length > 0 ? <span className="count">{held.length}</span> : null}</h2>
        <ErrorMessage error={conflicts.error} />
        {held.length === 0 ? <p className="hint">No conflicts are held back.</p> : null}
        {held.map((c) => (
          <ConflictResolver key={`${c.table}:${c.id}`} conflict={c} busy={busy !== undefined} onResolve={(i) => void resolve(i)} />
        ))}
      </section>

      <section className="panel" aria-labelledby="log-heading">
        <h2 id="log-heading">Sync log</h2>
        <ErrorMessage error={log.error} />
        {log.data ? <SyncLog log={log.data} /> : null}
      </section>

      {pending ? (
        <ConfirmDialog
          title={OPERATION_TITLES[pending.operation]}
          confirmLabel={pending.operation === 'push' ? 'Apply' : pending.operation === 'pull' ? 'Pull' : 'Sync'}
          danger={needsDiscard || (pending.operation === 'pull' && total(pending.report.totals.down) > 0)}
          confirmDisabled={needsDiscard && !pending.discard}
          busy={busy === 'apply'}
          onCancel={() => setPending(undefined)}
          onConfirm={() => void confirm()}
        >
          <ApplySummary operation={pending.operation} report={pending.report} />
          {needsDiscard ? (
            <label className="checkbox">
              <input type="checkbox" checked={pending.discard} onChange={(e) => setPending({ ...pending, discard: e.target.checked })} /> Discard{' '}
              {plural(pending.report.totals.discards, 'unsynced local change')}
            </label>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
