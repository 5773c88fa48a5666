import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionSettings, SslMode } from '../../../src/connection/connection-settings.js';
import { connectHub } from '../../../src/hub/connect-hub.js';
import { tempDir } from '../../helpers/sync-fixtures.js';
import { startTlsPostgres, type TlsPostgres } from '../../helpers/tls-postgres.js';

let server: TlsPostgres;
beforeAll(async () => {
  server = await startTlsPostgres(tempDir('lockstep-tls-'));
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

function settings(host: string, sslMode: SslMode, sslRootCert?: string): ConnectionSettings {
  return { host, port: server.port, database: 'postgres', user: 'postgres', sslMode, ...(sslRootCert ? { sslRootCert } : {}) };
}

async function usesTls(s: ConnectionSettings): Promise<boolean> {
  const c = await connectHub(s);
  try {
    const { rows } = await c.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0]?.ssl === true;
  } finally {
    await c.end();
  }
}

describe('TLS modes behave as libpq documents', () => {
  it('verify-full accepts the right CA and host name', async () => {
    expect(await usesTls(settings('localhost', 'verify-full', server.caCert))).toBe(true);
  });

  it('verify-full refuses a host name the certificate does not name', async () => {
    await expect(usesTls(settings('127.0.0.1', 'verify-full', server.caCert))).rejects.toMatchObject({ code: 'E_TLS' });
  });

  it('verify-full and verify-ca refuse a certificate from another CA', async () => {
    await expect(usesTls(settings('localhost', 'verify-full', server.otherCaCert))).rejects.toMatchObject({ code: 'E_TLS' });
    await expect(usesTls(settings('localhost', 'verify-ca', server.otherCaCert))).rejects.toMatchObject({ code: 'E_TLS' });
  });

  it('verify-ca checks the chain but not the host name', async () => {
    expect(await usesTls(settings('127.0.0.1', 'verify-ca', server.caCert))).toBe(true);
  });

  it('require encrypts without checking; disable does not encrypt', async () => {
    expect(await usesTls(settings('127.0.0.1', 'require'))).toBe(true);
    expect(await usesTls(settings('127.0.0.1', 'disable'))).toBe(false);
  });

  it('verify modes without a CA file, or with a missing one, fail clearly', async () => {
    await expect(usesTls(settings('localhost', 'verify-full'))).rejects.toMatchObject({ code: 'E_TLS' });
    await expect(usesTls(settings('localhost', 'verify-full', '/nonexistent/ca.pem'))).rejects.toMatchObject({ code: 'E_TLS' });
  });
});
