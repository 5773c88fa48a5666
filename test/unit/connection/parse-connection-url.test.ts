import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatConnectionUrl, maskUrl, parseConnectionUrl, validateConnectionUrl } from '../../../src/connection/parse-connection-url.js';

describe('connection URLs', () => {
  it.each([
    ['postgres://u@h/db', { host: 'h', port: 5432, database: 'db', user: 'u', sslMode: 'prefer' }],
    ['postgresql://u@h:6543/db', { port: 6543 }],
    ['postgres://app.tenant@pooler.example.com/db', { user: 'app.tenant', host: 'pooler.example.com' }],
    ['postgres://u@h/my-hyphen-db', { database: 'my-hyphen-db' }],
    ['postgres://u:p%40ss%2Fw0rd@h/db', { password: 'p@ss/w0rd' }],
    ['postgres://u%2Bme@h/db', { user: 'u+me' }],
    ['postgres://u@[2001:db8::1]:5433/db', { host: '2001:db8::1', port: 5433 }],
    ['postgres://u@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem', { sslMode: 'verify-full', sslRootCert: '/etc/ca.pem' }],
    ['postgres://u@h/db?application_name=x&connect_timeout=5', { options: { application_name: 'x', connect_timeout: '5' } }],
  ])('accepts %s', (url, expected) => {
    expect(parseConnectionUrl(url)).toMatchObject(expected);
  });

  it.each([
    ['', 'url'],
    [' postgres://u@h/db', 'url'],
    ['http://u@h/db', 'scheme'],
    ['mysql://u@h/db', 'scheme'],
    ['postgres:/u@h/db', 'url'],
    ['postgres://u@/db', 'host'],
    ['postgres://u@h:0/db', 'port'],
    ['postgres://u@h:70000/db', 'port'],
    ['postgres://u@h:x/db', 'port'],
    ['postgres://u@h', 'database'],
    ['postgres://u@h/a/b', 'database'],
    ['postgres://h/db', 'user'],
    ['postgres://u@h/db?sslmode=maybe', 'sslmode'],
    ['postgres://u@h/db?colour=blue', 'parameters'],
    ['postgres://u@h!x/db', 'host'],
    ['postgres://u:%E0%A4%A@h/db', 'password'],
  ])('rejects %j naming the %s', (url, field) => {
    const v = validateConnectionUrl(url);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problems.map((p) => p.field)).toContain(field);
    expect(() => parseConnectionUrl(url)).toThrow(expect.objectContaining({ code: 'E_URL_INVALID' }));
  });

  it.each(['localhost', '127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.10', '169.254.169.254', '0.0.0.0', '[::1]', '[fe80::1]', '[fd00::1]', '[::ffff:127.0.0.1]'])(
    'the private-address policy refuses %s',
    (host) => {
      const url = `postgres://u@${host}/db`;
      expect(validateConnectionUrl(url).ok).toBe(true);
      expect(() => parseConnectionUrl(url, { forbidPrivateAddresses: true })).toThrow(expect.objectContaining({ code: 'E_URL_FORBIDDEN' }));
    },
  );

  it('the private-address policy lets public hosts through', () => {
    expect(validateConnectionUrl('postgres://u@db.example.com/db', { forbidPrivateAddresses: true }).ok).toBe(true);
    expect(validateConnectionUrl('postgres://u@8.8.8.8/db', { forbidPrivateAddresses: true }).ok).toBe(true);
  });

  it('property: passwords round-trip through format/parse and never survive masking', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 30 }), fc.stringMatching(/^[a-z][a-z0-9._]{0,15}$/), (password, user) => {
        const url = formatConnectionUrl({ host: 'db.example.com', port: 5432, database: 'd', user, password, sslMode: 'require' }, { maskPassword: false });
        expect(parseConnectionUrl(url).password).toBe(password);
        const masked = formatConnectionUrl(parseConnectionUrl(url), { maskPassword: true });
        expect(masked).not.toContain(encodeURIComponent(password));
        expect(maskUrl(`could not connect to ${url}: refused`)).not.toContain(encodeURIComponent(password));
      }),
    );
  });
});
