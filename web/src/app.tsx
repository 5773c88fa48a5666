import { useEffect } from 'react';
import type { DeviceSummary } from '../../src/server/api-types.js';
import { api, ApiError } from './api-client.js';
import { ErrorMessage } from './components/error-message.js';
import { TokenForm } from './components/token-form.js';
import { ClassroomPage } from './pages/classroom-page.js';
import { ConnectionPage } from './pages/connection-page.js';
import { ReplicationPage } from './pages/replication-page.js';
import { SyncPage } from './pages/sync-page.js';
import { hrefFor, PAGES, useHashRoute, type Page } from './use-hash-route.js';
import { useLoad } from './use-load.js';

const TITLES: Record<Page, string> = { connection: 'Connection', sync: 'Sync', replication: 'Replication', classroom: 'Classroom' };

/** The shell: device picker, page tabs, and the page of the chosen device. */
export function App() {
  const route = useHashRoute();
  const devices = useLoad(() => api<{ devices: DeviceSummary[] }>('GET', '/api/devices'), 'devices');
  const list = devices.data?.devices ?? [];
  const device = list.find((d) => d.name === route.device) ?? list[0];

  useEffect(() => {
    if (device && device.name !== route.device) window.location.replace(hrefFor(device.name, route.page));
  }, [device, route.device, route.page]);
  useEffect(() => {
    document.title = `${TITLES[route.page]}${device ? ` · ${device.name}` : ''} · Lockstep`;
  }, [route.page, device]);

  const changed = (): void => void devices.reload();

  if (devices.error instanceof ApiError && devices.error.code === 'E_UNAUTHORIZED') return <TokenForm onSaved={() => void devices.reload()} />;

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <span aria-hidden="true" className="logo">
            ⇅
          </span>{' '}
          Lockstep
        </div>
        {list.length > 0 ? (
          <div className="device-picker">
            <label htmlFor="device-picker">Device</label>
            <select id="device-picker" value={device?.name ?? ''} onChange={(e) => window.location.assign(hrefFor(e.target.value, route.page))}>
              {list.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name} ({d.dataset})
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {device ? (
          <p className="device-status" aria-live="polite">
            <span className={device.connected ? 'dot ok' : 'dot off'} aria-hidden="true" />
            {device.connected ? 'connected' : 'not connected'} · {device.pendingChanges} unsynced change{device.pendingChanges === 1 ? '' : 's'}
            {device.conflicts > 0 ? ` · ${device.conflicts} conflict${device.conflicts === 1 ? '' : 's'} to resolve` : ''}
          </p>
        ) : null}
      </header>
      {device ? (
        <nav className="tabs" aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p} href={hrefFor(device.name, p)} aria-current={p === route.page ? 'page' : undefined}>
              {TITLES[p]}
            </a>
          ))}
        </nav>
      ) : null}
      <main id="main" tabIndex={-1}>
        <ErrorMessage error={devices.error} />
        {devices.data && list.length === 0 ? <p>This server serves no device stores. Start it with --db PATH.</p> : null}
        {device ? (
          <div key={device.name}>
            <h1>{TITLES[route.page]}</h1>
            {route.page === 'connection' ? <ConnectionPage device={device} onChanged={changed} /> : null}
            {route.page === 'sync' ? <SyncPage device={device} onChanged={() => void devices.reload()} /> : null}
            {route.page === 'replication' ? <ReplicationPage device={device} /> : null}
            {route.page === 'classroom' ? (
              device.dataset === 'classroom' ? (
                <ClassroomPage device={device} onChanged={() => void devices.reload()} />
              ) : (
                <p>This device holds the “{device.dataset}” dataset; the classroom page is for the classroom dataset.</p>
              )
            ) : null}
          </div>
        ) : null}
      </main>
    </div>
  );
}
