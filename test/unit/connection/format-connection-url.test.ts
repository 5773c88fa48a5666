import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnectionSettings } from '../../../src/connection/connection-settings.js';
import { formatConnectionUrl } from '../../../src/connection/format-connection-url.js';
import { maskUrl } from '../../../src/connection/mask-url.js';
import { parseConnectionUrl } from '../../../src/connection/parse-connection-url.js';

const base: ConnectionSettings = { host: 'db.example.com', port: 5432, database: 'app', user: 'me', sslMode: 'prefer' };

describe('formatConnectionUrl', () => {
  it('writes every part, leaving out the default sslmode', () => {
    expect(formatConnectionUrl(base, { maskPassword: false })).toBe('postgres://me@db.example.com:5432/app');
    const full: ConnectionSettings = { ...base, password: 'p@ss', sslMode: 'verify-full', sslRootCert: '/etc/ca.pem', options: { application_name: 'a b' } };
    expect(formatConnectionUrl(full, { maskPassword: false })).toBe(
      'postgres://me:p%40ss@db.example.com:5432/app?application_name=a%20b&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem',
    );
    expect(formatConnectionUrl(full, { maskPassword: true })).toBe(
      'postgres://me:****@db.example.com:5432/app?application_name=a%20b&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem',
    );
  });

  it('brackets IPv6 hosts, zone included', () => {
    for (const host of ['2001:db8::1', 'fe80::1%eth0']) {
      const url = formatConnectionUrl({ ...base, host }, { maskPassword: false });
      expect(parseConnectionUrl(url).host).toBe(host);
    }
  });

  it('property: parse(format(settings)) gives the settings back; the masked form and maskUrl never show the password', () => {
    const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(name, fc.string({ unit: 'grapheme', maxLength: 30 }), name, fc.constantFrom('disable', 'require', 'verify-full' as const), (user, password, database, sslMode) => {
        const s: ConnectionSettings = { ...base, user, password, database, sslMode, options: { application_name: user } };
        const url = formatConnectionUrl(s, { maskPassword: false });
        expect(parseConnectionUrl(url)).toEqual(s);
        if (password.length < 4) return;
        const scaffold = formatConnectionUrl({ ...s, password: '' }, { maskPassword: false });
        fc.pre(!scaffold.includes(password) && !scaffold.includes(encodeURIComponent(password)));
        for (const shown of [formatConnectionUrl(s, { maskPassword: true }), maskUrl(`failed: ${url}`)]) {
          expect(shown).not.toContain(password);
          expect(shown).not.toContain(encodeURIComponent(password));
        }
      }),
      { numRuns: 500 },
    );
  });
});
