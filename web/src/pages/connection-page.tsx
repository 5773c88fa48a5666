import { useEffect, useState, type FormEvent } from 'react';
import type { ConnectionInput, ConnectionTest, ConnectionView, DeviceSummary, SslMode } from '../../../src/server/api-types.js';
import { api, devicePath } from '../api-client.js';
import { ErrorMessage, Notice } from '../components/error-message.js';
import { Field } from '../components/field.js';
import { useLoad } from '../use-load.js';

const SSL_MODES: { value: SslMode; label: string }[] = [
  { value: 'disable', label: 'disable — no TLS' },
  { value: 'prefer', label: 'prefer — TLS if offered' },
  { value: 'require', label: 'require — TLS, no certificate check' },
  { value: 'verify-ca', label: 'verify-ca — certificate checked' },
  { value: 'verify-full', label: 'verify-full — certificate and host checked' },
];

interface Form {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
  sslMode: SslMode;
  sslRootCert: string;
}

const EMPTY: Form = { host: '', port: '5432', database: '', user: '', password: '', sslMode: 'prefer', sslRootCert: '' };

function describeTest(t: ConnectionTest, device: DeviceSummary): string {
  const hub = !t.hub.initialised
    ? 'this database has no Lockstep hub yet.'
    : t.hub.matchesDevice
      ? `the hub holds dataset “${t.hub.dataset}” (schema ${t.hub.schema}).`
      : `the hub holds dataset “${t.hub.dataset}”, but this device holds “${device.dataset}”.`;
  return `Connected to PostgreSQL ${t.serverVersion.split(' ')[0]}; ${hub}`;
}

/** Host, port, database, user, password (write-only) and SSL mode; Test Connection; Save (encrypted). */
export function ConnectionPage({ device, onChanged }: { device: DeviceSummary; onChanged: () => void }) {
  const saved = useLoad(() => api<ConnectionView>('GET', devicePath(device.name, '/connection')), device.name);
  const [form, setForm] = useState<Form>(EMPTY);
  const [passwordTouched, setPasswordTouched] = useState(false);
  const [busy, setBusy] = useState<'test' | 'save' | 'init' | undefined>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [test, setTest] = useState<ConnectionTest>();

  useEffect(() => {
    const s = saved.data?.settings;
    if (s) setForm({ host: s.host, port: String(s.port), database: s.database, user: s.user, password: '', sslMode: s.sslMode, sslRootCert: s.sslRootCert ?? '' });
  }, [saved.data]);

  const set = (k: keyof Form) => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [k]: e.target.value }));
    if (k === 'password') setPasswordTouched(true);
  };

  const input = (): ConnectionInput => ({
    host: form.host.trim(),
    port: Number(form.port),
    database: form.database.trim(),
    user: form.user.trim(),
    sslMode: form.sslMode,
    ...(form.sslRootCert.trim() ? { sslRootCert: form.sslRootCert.trim() } : {}),
    // An untouched, empty password field keeps the saved password (only for the same server).
    ...(passwordTouched || !saved.data?.hasPassword ? { password: form.password === '' ? null : form.password } : {}),
  });

  const run = async (what: 'test' | 'save' | 'init'): Promise<void> => {
    setBusy(what);
    setError(undefined);
    setNotice(undefined);
    try {
      if (what === 'test') {
        const t = await api<ConnectionTest>('POST', devicePath(device.name, '/connection/test'), input());
        setTest(t);
        setNotice(describeTest(t, device));
      } else if (what === 'save') {
        const r = await api<{ test: ConnectionTest; connection: ConnectionView }>('PUT', devicePath(device.name, '/connection'), input());
        setTest(r.test);
        setNotice(`Saved (the password is stored encrypted). ${describeTest(r.test, device)}`);
        setPasswordTouched(false);
        await saved.reload();
        onChanged();
      } else {
        const r = await api<{ created: boolean; schema: string }>('POST', devicePath(device.name, '/hub/init'));
        setNotice(r.created ? `The hub was created in schema ${r.schema}.` : `The hub was already there (schema ${r.schema}); nothing changed.`);
        setTest((t) => (t ? { ...t, hub: { initialised: true, dataset: device.dataset, schema: r.schema, matchesDevice: true } } : t));
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void run('save');
  };

  const verify = form.sslMode === 'verify-ca' || form.sslMode === 'verify-full';
  return (
    <section aria-labelledby="conn-heading" className="panel">
      <h2 id="conn-heading">Hub connection of {device.name}</h2>
      <p className="hint">
        The PostgreSQL database every device syncs through. {saved.data?.url ? <>Saved: <code>{saved.data.url}</code></> : 'Nothing saved yet.'}
      </p>
      <ErrorMessage error={saved.error} />
      <form className="grid-form" onSubmit={submit}>
        <Field label="Host">
          <input value={form.host} onChange={set('host')} required autoComplete="off" placeholder="db.school.example" />
        </Field>
        <Field label="Port">
          <input value={form.port} onChange={set('port')} required inputMode="numeric" pattern="[0-9]{1,5}" />
        </Field>
        <Field label="Database">
          <input value={form.database} onChange={set('database')} required autoComplete="off" />
        </Field>
        <Field label="User">
          <input value={form.user} onChange={set('user')} required autoComplete="username" />
        </Field>
        <Field label="Password" hint="Stored encrypted on this device; never shown again.">
          <input
            type="password"
            value={form.password}
            onChange={set('password')}
            autoComplete="current-password"
            placeholder={saved.data?.hasPassword ? 'saved — leave empty to keep it' : ''}
          />
        </Field>
        <Field label="SSL mode">
          <select value={form.sslMode} onChange={set('sslMode')}>
            {SSL_MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </Field>
        {verify ? (
          <Field label="CA certificate file (on the server running Lockstep)" className="wide">
            <input value={form.sslRootCert} onChange={set('sslRootCert')} placeholder="/etc/ssl/school-ca.pem" />
          </Field>
        ) : null}
        <div className="actions wide">
          <button type="button" onClick={() => void run('test')} disabled={busy !== undefined}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="submit" className="primary" disabled={busy !== undefined}>
            {busy === 'save' ? 'Saving…' : 'Save'}
          </button>
          {test && !test.hub.initialised ? (
            <button type="button" onClick={() => void run('init')} disabled={busy !== undefined || !saved.data?.saved}>
              Initialise the hub
            </button>
          ) : null}
        </div>
      </form>
      <Notice text={notice} />
      <ErrorMessage error={error} />
    </section>
  );
}
