import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionSettings, SslMode } from '../../../src/connection/connection-settings.js';
import { toPgClientConfig } from '../../../src/connection/pg-client-config.js';

const dir = mkdtempSync(join(tmpdir(), 'lockstep-pgcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, PEM);

function settings(sslMode: SslMode, extra: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return { host: 'db.example.com', port: 5433, database: 'app', user: 'me', password: 'pw', sslMode, ...extra };
}

function tls(s: ConnectionSettings): ConnectionOptions {
  const ssl = toPgClientConfig(s).ssl;
  if (typeof ssl !== 'object') throw new Error(`expected TLS options, got ${String(ssl)}`);
  return ssl;
}

const cert = (san: string): PeerCertificate => ({ subject: { CN: 'x' }, subjectaltname: san }) as unknown as PeerCertificate;

describe('toPgClientConfig', () => {
  it('passes the connection fields, with defaults', () => {
    expect(toPgClientConfig(settings('disable'))).toEqual({
      host: 'db.example.com', port: 5433, database: 'app', user: 'me', password: 'pw',
      application_name: 'lockstep', connectionTimeoutMillis: 10_000, keepAlive: true, ssl: false,
    });
  });

  it.each(['disable', 'allow', 'prefer'] as const)('%s → no TLS (node-pg cannot fall back), and does not read the CA file', (mode) => {
    expect(toPgClientConfig(settings(mode, { sslRootCert: join(dir, 'missing.pem') })).ssl).toBe(false);
  });

  it('require → TLS without checking the certificate', () => {
    expect(tls(settings('require'))).toEqual({ rejectUnauthorized: false });
  });

  it('require with a CA file → checks the chain as verify-ca does', () => {
    const o = tls(settings('require', { sslRootCert: caFile }));
    expect(o).toMatchObject({ ca: PEM, rejectUnauthorized: true });
    expect(o.checkServerIdentity?.('other.example.com', cert('DNS:db.example.com'))).toBeUndefined();
  });

  it('verify-ca → checks the chain with the CA, not the host name', () => {
    const o = tls(settings('verify-ca', { sslRootCert: caFile }));
    expect(o).toMatchObject({ ca: PEM, rejectUnauthorized: true });
    expect(o.checkServerIdentity?.('db.example.com', cert('DNS:elsewhere.example.com'))).toBeUndefined();
  });

  it('verify-full → checks the chain and that the certificate names the host', () => {
    const o = tls(settings('verify-full', { sslRootCert: caFile }));
    expect(o).toMatchObject({ ca: PEM, rejectUnauthorized: true });
    expect(o.checkServerIdentity?.('db.example.com', cert('DNS:db.example.com'))).toBeUndefined();
    expect(o.checkServerIdentity?.('db.example.com', cert('DNS:elsewhere.example.com'))).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('verify-full checks an IP host against IP SANs, whatever name node-pg passes', () => {
    const o = tls(settings('verify-full', { host: '127.0.0.1', sslRootCert: caFile }));
    expect(o.checkServerIdentity?.('localhost', cert('DNS:localhost, IP Address:127.0.0.1'))).toBeUndefined();
    expect(o.checkServerIdentity?.('localhost', cert('DNS:localhost'))).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('sslrootcert=system uses the system CA store', () => {
    const o = tls(settings('verify-full', { sslRootCert: 'system' }));
    expect(o.ca).toBeUndefined();
    expect(o.rejectUnauthorized).toBe(true);
  });

  it.each(['verify-ca', 'verify-full'] as const)('%s without a CA file → E_TLS saying what to give', (mode) => {
    expect(() => toPgClientConfig(settings(mode))).toThrow(expect.objectContaining({ code: 'E_TLS', message: expect.stringContaining('--ssl-root-cert') }));
  });

  it.each(['require', 'verify-ca', 'verify-full'] as const)('%s with a missing or non-PEM CA file → E_TLS naming the file', (mode) => {
    const missing = join(dir, 'nope.pem');
    expect(() => toPgClientConfig(settings(mode, { sslRootCert: missing }))).toThrow(expect.objectContaining({ code: 'E_TLS', message: expect.stringContaining(`${missing} does not exist`) }));
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    expect(() => toPgClientConfig(settings(mode, { sslRootCert: junk }))).toThrow(expect.objectContaining({ code: 'E_TLS', message: expect.stringContaining('no PEM certificate') }));
  });

  it('honours libpq parameters from the URL; the caller’s application name and timeout win', () => {
    const s = settings('disable', {
      options: { application_name: 'url-app', connect_timeout: '7', options: '-c search_path=app', keepalives: '0', keepalives_idle: '30', client_encoding: 'UTF8', fallback_application_name: 'fb' },
    });
    expect(toPgClientConfig(s)).toMatchObject({
      application_name: 'url-app', connectionTimeoutMillis: 7000, options: '-c search_path=app', keepAlive: false,
      keepAliveInitialDelayMillis: 30_000, client_encoding: 'UTF8', fallback_application_name: 'fb',
    });
    expect(toPgClientConfig(s, { applicationName: 'lockstep:desk', connectionTimeoutMillis: 1234 })).toMatchObject({ application_name: 'lockstep:desk', connectionTimeoutMillis: 1234 });
  });

  it('reads connect_timeout as libpq does: 0 waits forever, 1 means 2 seconds', () => {
    expect(toPgClientConfig(settings('disable', { options: { connect_timeout: '0' } })).connectionTimeoutMillis).toBe(0);
    expect(toPgClientConfig(settings('disable', { options: { connect_timeout: '1' } })).connectionTimeoutMillis).toBe(2000);
  });

  it('leaves the password out when there is none', () => {
    expect('password' in toPgClientConfig({ ...settings('disable'), password: undefined } as ConnectionSettings)).toBe(false);
  });
});
