import { useEffect, useState } from 'react';
import type { DeviceSummary, ReplicationConfigView } from '../../../src/server/api-types.js';
import { api, devicePath } from '../api-client.js';
import { ErrorMessage, Notice } from '../components/error-message.js';
import { ReplicationCard } from '../components/replication-card.js';
import { ReplicationForm, type ReplicationFormValues } from '../components/replication-form.js';
import { useLoad } from '../use-load.js';

/** Replication configurations of the hub this device syncs with, as cards; a form to add one. */
export function ReplicationPage({ device }: { device: DeviceSummary }) {
  const base = devicePath(device.name, '/replications');
  const list = useLoad(
    () => (device.connected ? api<{ replications: ReplicationConfigView[] }>('GET', base) : Promise.resolve({ replications: [] })),
    `${base}:${device.connected}`,
  );
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string>();
  const configs = list.data?.replications ?? [];
  const running = configs.some((c) => c.status === 'IN_PROGRESS');

  // Live progress: poll while a run is in progress.
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => void list.reload(), 700);
    return () => clearInterval(t);
  }, [running, list.reload]);

  const add = async (v: ReplicationFormValues): Promise<void> => {
    const created = await api<ReplicationConfigView>('POST', base, v);
    setAdding(false);
    setNotice(`Added “${created.name}”. Run it to make the first copy.`);
    await list.reload();
  };

  return (
    <>
      <section className="panel" aria-labelledby="rep-heading">
        <div className="panel-head">
          <h2 id="rep-heading">Replications of this device’s hub</h2>
          <div className="actions">
            <button type="button" className="primary" onClick={() => setAdding((a) => !a)} aria-expanded={adding} disabled={!device.connected}>
              New replication
            </button>
            <button type="button" onClick={() => void list.reload()}>
              Refresh
            </button>
          </div>
        </div>
        <p className="hint">A one-way copy of the hub’s data to a PostgreSQL database you own: a backup, or data for your own reports.</p>
        {!device.connected ? <p className="message warn-box">This device has no hub connection yet: set it on the Connection page.</p> : null}
        {adding ? <ReplicationForm base={base} submitLabel="Add replication" onSubmit={add} onCancel={() => setAdding(false)} /> : null}
        <Notice text={notice} />
        <ErrorMessage error={list.error} />
      </section>
      {list.data && configs.length === 0 ? <p className="hint">No replications yet.</p> : null}
      <div className="cards">
        {configs.map((c) => (
          <ReplicationCard key={c.id} base={base} config={c} onChanged={list.reload} />
        ))}
      </div>
    </>
  );
}
