import { describe, expect, it } from 'vitest';
import { assertPublicHost, isPrivateHost } from '../../../src/connection/private-address.js';

describe('isPrivateHost', () => {
  it.each([
    'localhost', 'localhost.', 'app.localhost', 'ip6-localhost',
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.1.1', '192.168.0.1', '169.254.169.254', '0.0.0.0', '100.100.0.1', '224.0.0.1', '255.255.255.255',
    '127.1', '2130706433', '0x7f000001', '0x7f.0.0.1', '0177.0.0.1', '012.1',
    '::', '::1', '[::1]', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'fc00::1', 'fdff::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:7f00:1', '::127.0.0.1', '64:ff9b::192.168.0.1', '0:0:0:0:0:0:0:1',
  ])('%s is private', (host) => expect(isPrivateHost(host)).toBe(true));

  it.each([
    'db.example.com', 'my-localhost.example', '8.8.8.8', '1.1.1.1', '172.15.0.1', '172.32.0.1', '192.169.0.1', '100.128.0.1', '169.255.0.1', '11.0.0.1',
    '2001:4860:4860::8888', '2a00:1450::1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '1.2.3.4.5', '08.1.1.1',
  ])('%s is not judged private', (host) => expect(isPrivateHost(host)).toBe(false));
});

describe('assertPublicHost', () => {
  const resolver = (answers: Record<string, string[]>) => async (host: string) => {
    const a = answers[host];
    if (a === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return a;
  };

  it('returns the addresses of a public host', async () => {
    await expect(assertPublicHost('db.example.com', resolver({ 'db.example.com': ['203.0.113.7', '2001:db8::7'] }))).resolves.toEqual(['203.0.113.7', '2001:db8::7']);
    await expect(assertPublicHost('8.8.8.8', resolver({}))).resolves.toEqual(['8.8.8.8']);
  });

  it('refuses a name when any of its addresses is private, naming them', async () => {
    const r = resolver({ 'inner.example.com': ['203.0.113.7', '10.0.0.5'] });
    await expect(assertPublicHost('inner.example.com', r)).rejects.toMatchObject({ code: 'E_URL_FORBIDDEN', message: expect.stringContaining('10.0.0.5') });
  });

  it('refuses a literal private address or localhost without resolving', async () => {
    const never = async (): Promise<string[]> => {
      throw new Error('must not resolve');
    };
    await expect(assertPublicHost('localhost', never)).rejects.toMatchObject({ code: 'E_URL_FORBIDDEN' });
    await expect(assertPublicHost('::1', never)).rejects.toMatchObject({ code: 'E_URL_FORBIDDEN' });
  });

  it('reports a name that does not resolve as a retryable E_CONNECTION', async () => {
    await expect(assertPublicHost('nowhere.example.com', resolver({}))).rejects.toMatchObject({ code: 'E_CONNECTION', retryable: true });
    await expect(assertPublicHost('empty.example.com', resolver({ 'empty.example.com': [] }))).rejects.toMatchObject({ code: 'E_CONNECTION' });
  });

  it('uses the system resolver by default', async () => {
    await expect(assertPublicHost('localhost')).rejects.toMatchObject({ code: 'E_URL_FORBIDDEN' });
    await expect(assertPublicHost('lockstep-test.invalid')).rejects.toMatchObject({ code: 'E_CONNECTION' });
  });
});
