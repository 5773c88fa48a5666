import { describe, expect, it } from 'vitest';
import type { ConnectionSettings } from '../../../src/connection/connection-settings.js';
import { parseConnectionUrl, validateConnectionUrl } from '../../../src/connection/parse-connection-url.js';

const good: [string, Partial<ConnectionSettings>][] = [
  ['postgres://u@h/db', { host: 'h', port: 5432, database: 'db', user: 'u', sslMode: 'prefer' }],
  ['postgresql://u@h:6543/db', { port: 6543 }],
  ['POSTGRES://u@h/db', { host: 'h' }],
  ['postgres://postgres.abcdefghij:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres', { user: 'postgres.abcdefghij', password: 'pw', port: 6543 }],
  ['postgres://app.tenant@pooler.example.com/db', { user: 'app.tenant', host: 'pooler.example.com' }],
  ['postgres://u@h/my-hyphen-db', { database: 'my-hyphen-db' }],
  ['postgres://u@DB.Example.COM/db', { host: 'db.example.com' }],
  ['postgres://u@my_db:5432/app', { host: 'my_db' }],
  ['postgres://u:p%40ss%2Fw0rd%3A%3F%23%25@h/db', { password: 'p@ss/w0rd:?#%' }],
  ['postgres://u:@h/db', { password: '' }],
  ['postgres://u:p@ss@h/db', { password: 'p@ss', host: 'h' }],
  ['postgres://u:p%C3%A4ss@h/db', { password: 'päss' }],
  ['postgres://u%2Bme%40corp@h/db', { user: 'u+me@corp' }],
  ['postgres://u@h/d%2Fb', { database: 'd/b' }],
  ['postgres://u@[2001:db8::1]:5433/db', { host: '2001:db8::1', port: 5433 }],
  ['postgres://u@[::1]/db', { host: '::1', port: 5432 }],
  ['postgres://u@192.0.2.10:5432/db', { host: '192.0.2.10' }],
  ['postgres://u@h:/db', { port: 5432 }],
  ['postgres://u@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem', { sslMode: 'verify-full', sslRootCert: '/etc/ca.pem' }],
  ['postgres://u@h/db?sslmode=disable', { sslMode: 'disable' }],
  ['postgres://u@h/db?sslrootcert=system&sslmode=verify-full', { sslRootCert: 'system' }],
  ['postgres://u@h/db?application_name=x&connect_timeout=5', { options: { application_name: 'x', connect_timeout: '5' } }],
  ['postgres://u@h/db?application_name=a+b', { options: { application_name: 'a+b' } }],
  ['postgres://u@h/db?options=-c%20search_path%3Dapp', { options: { options: '-c search_path=app' } }],
  ['postgres://u@h/db?keepalives=1&keepalives_idle=30&client_encoding=UTF8', { options: { keepalives: '1', keepalives_idle: '30', client_encoding: 'UTF8' } }],
  ['postgres://u@h/db?&sslmode=require&', { sslMode: 'require' }],
  ['postgres://h/?user=me&password=s3cret&dbname=app', { user: 'me', password: 's3cret', database: 'app' }],
];

const bad: [string, string][] = [
  ['', 'url'],
  [' postgres://u@h/db', 'url'],
  ['postgres://u@h/db ', 'url'],
  ['postgres://u@h/my db', 'url'],
  ['postgres://u@h/db\n', 'url'],
  ['postgres://u@h/db\u0000', 'url'],
  ['not a url', 'url'],
  ['db.example.com:5432/db', 'url'],
  ['postgres:/u@h/db', 'url'],
  ['postgres://u@h/db#frag', 'url'],
  ['postgres://u:pa/ss@h/db', 'url'],
  ['http://u@h/db', 'scheme'],
  ['mysql://u@h/db', 'scheme'],
  ['jdbc:postgresql://h/db', 'url'],
  ['postgres://u@/db', 'host'],
  ['postgresql:///db', 'host'],
  ['postgres://u@h!x/db', 'host'],
  ['postgres://u@-h/db', 'host'],
  ['postgres://u@h1,h2/db', 'host'],
  ['postgres://u@%2Fvar%2Frun%2Fpostgresql/db', 'host'],
  ['postgres://u@::1/db', 'host'],
  ['postgres://u@[not-ipv6]/db', 'host'],
  ['postgres://u@127.1/db', 'host'],
  ['postgres://u@2130706433/db', 'host'],
  ['postgres://u@h:0/db', 'port'],
  ['postgres://u@h:70000/db', 'port'],
  ['postgres://u@h:x/db', 'port'],
  ['postgres://u@h:-1/db', 'port'],
  ['postgres://u@h:54 32/db', 'url'],
  ['postgres://u@h', 'database'],
  ['postgres://u@h/', 'database'],
  ['postgres://u@h/a/b', 'database'],
  ['postgres://u@h/%E0%A4%A', 'database'],
  ['postgres://h/db', 'user'],
  ['postgres://:pw@h/db', 'user'],
  ['postgres://%ZZ@h/db', 'user'],
  ['postgres://u:%E0%A4%A@h/db', 'password'],
  ['postgres://u@h/db?sslmode=maybe', 'sslmode'],
  ['postgres://u@h/db?sslmode=REQUIRE', 'sslmode'],
  ['postgres://u@h/db?colour=blue', 'parameters'],
  ['postgres://u@h/db?statement_timeout=5000', 'parameters'],
  ['postgres://u@h/db?sslcert=/c.pem', 'parameters'],
  ['postgres://u@h/db?target_session_attrs=read-write', 'parameters'],
  ['postgres://u@h/db?connect_timeout=soon', 'parameters'],
  ['postgres://u@h/db?keepalives=yes', 'parameters'],
  ['postgres://u@h/db?sslmode', 'parameters'],
  ['postgres://u@h/db?sslmode=require&sslmode=disable', 'parameters'],
  ['postgres://u@h/db?=x', 'parameters'],
  ['postgres://u@h/db?sslrootcert=', 'parameters'],
];

describe('validateConnectionUrl / parseConnectionUrl', () => {
  it.each(good)('accepts %s', (url, expected) => {
    const v = validateConnectionUrl(url);
    expect(v).toMatchObject({ ok: true, settings: expected });
    expect(parseConnectionUrl(url)).toMatchObject(expected);
  });

  it.each(bad)('rejects %j naming the %s', (url, field) => {
    const v = validateConnectionUrl(url);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problems.map((p) => p.field)).toContain(field);
    expect(() => parseConnectionUrl(url)).toThrow(expect.objectContaining({ code: 'E_URL_INVALID' }));
  });

  it('names every problem at once, field by field', () => {
    const v = validateConnectionUrl('postgres://@db.example.com:99999/?sslmode=sometimes');
    expect(v.ok ? [] : v.problems.map((p) => p.field).sort()).toEqual(['database', 'port', 'sslmode', 'user']);
  });

  it('names each unknown or unsupported parameter, and never quotes parameter values', () => {
    const v = validateConnectionUrl('postgres://u@h/db?colour=blue&sslkey=/k.pem&flavour=x&password=hunter22&connect_timeout=hunter33');
    const text = v.ok ? '' : v.problems.map((p) => p.message).join('\n');
    expect(text).toMatch(/unknown parameters: colour, flavour/);
    expect(text).toMatch(/not support: sslkey/);
    expect(text).not.toMatch(/hunter|blue/);
  });

  it('keeps other libpq parameters as options and takes sslmode/sslrootcert/user/password/dbname out', () => {
    const s = parseConnectionUrl('postgres://u@h/db?sslmode=require&sslrootcert=ca.pem&application_name=desk');
    expect(s).toEqual({ host: 'h', port: 5432, database: 'db', user: 'u', sslMode: 'require', sslRootCert: 'ca.pem', options: { application_name: 'desk' } });
  });

  it('throws E_URL_INVALID listing the problems in the message and details, with the password masked', () => {
    const url = 'postgres://u:topsecret@h:99999/db?sslmode=maybe';
    let caught: unknown;
    try {
      parseConnectionUrl(url);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'E_URL_INVALID', details: { problems: [{ field: 'port' }, { field: 'sslmode' }] } });
    const message = (caught as Error).message;
    expect(message).toMatch(/port: must be a number from 1 to 65535, not 99999/);
    expect(message).toMatch(/sslmode: must be one of/);
    expect(message).toContain('postgres://u:****@h:99999/db');
    expect(JSON.stringify(caught)).not.toContain('topsecret');
  });

  it('never puts a misplaced password into a problem', () => {
    for (const url of ['postgres://u:pa/ss-hunter2@h/db', 'postgres://u:hunter2?x@h/db', 'postgres://u:hunter2!@h!/db', 'postgres://u:hunter2 x@h/db']) {
      const v = validateConnectionUrl(url);
      expect(v.ok, url).toBe(false);
      expect(JSON.stringify(v), url).not.toContain('hunter2');
      expect(() => parseConnectionUrl(url)).toThrow(expect.not.objectContaining({ message: expect.stringContaining('hunter2') }));
    }
  });
});

describe('the private-address policy', () => {
  const privateHosts = ['localhost', 'LOCALHOST', 'db.localhost', '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.10',
    '169.254.169.254', '0.0.0.0', '100.64.0.1', '[::1]', '[::]', '[fe80::1]', '[fd00::1]', '[fc00::5]', '[::ffff:127.0.0.1]', '[::ffff:a00:1]'];

  it.each(privateHosts)('refuses %s with E_URL_FORBIDDEN (and accepts it without the policy)', (host) => {
    const url = `postgres://u:pw@${host}/db`;
    expect(validateConnectionUrl(url).ok).toBe(true);
    const v = validateConnectionUrl(url, { forbidPrivateAddresses: true });
    expect(v).toEqual({ ok: false, problems: [{ field: 'host', message: expect.stringContaining('loopback, private or link-local') }] });
    expect(() => parseConnectionUrl(url, { forbidPrivateAddresses: true })).toThrow(expect.objectContaining({ code: 'E_URL_FORBIDDEN' }));
  });

  it.each(['db.example.com', '8.8.8.8', '172.32.0.1', '172.15.255.255', '192.169.0.1', '[2001:4860:4860::8888]', 'localhost.example.com'])(
    'lets %s through',
    (host) => {
      expect(validateConnectionUrl(`postgres://u@${host}/db`, { forbidPrivateAddresses: true }).ok).toBe(true);
    },
  );

  it('refuses an sslrootcert naming a file on the server (E_URL_FORBIDDEN), but allows sslrootcert=system', () => {
    const url = 'postgres://u@db.example.com/db?sslmode=verify-full&sslrootcert=/etc/ssl/private/server.key';
    expect(validateConnectionUrl(url).ok).toBe(true);
    expect(validateConnectionUrl(url, { forbidPrivateAddresses: true })).toEqual({
      ok: false,
      problems: [{ field: 'sslrootcert', message: expect.stringContaining('cannot name a file on this server') }],
    });
    expect(() => parseConnectionUrl(url, { forbidPrivateAddresses: true })).toThrow(expect.objectContaining({ code: 'E_URL_FORBIDDEN' }));
    expect(validateConnectionUrl('postgres://u@db.example.com/db?sslmode=verify-full&sslrootcert=system', { forbidPrivateAddresses: true }).ok).toBe(true);
  });

  it('is E_URL_INVALID, listing every problem, when the URL is also malformed', () => {
    expect(() => parseConnectionUrl('postgres://u@127.0.0.1:0/db', { forbidPrivateAddresses: true })).toThrow(
      expect.objectContaining({ code: 'E_URL_INVALID', details: { problems: [expect.objectContaining({ field: 'port' }), expect.objectContaining({ field: 'host' })] } }),
    );
  });
});
