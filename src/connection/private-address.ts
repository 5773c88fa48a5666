import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { LockstepError } from '../core/errors.js';

/** IPv4 blocks that are not publicly routable: [network, prefix length]. */
const PRIVATE_V4: readonly [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8 "this network", includes the unspecified 0.0.0.0
  [0x0a000000, 8], // 10/8 private
  [0x64400000, 10], // 100.64/10 carrier-grade NAT
  [0x7f000000, 8], // 127/8 loopback
  [0xa9fe0000, 16], // 169.254/16 link-local (cloud metadata endpoints live here)
  [0xac100000, 12], // 172.16/12 private
  [0xc0000000, 24], // 192.0.0/24 IETF protocol assignments
  [0xc0a80000, 16], // 192.168/16 private
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, includes 255.255.255.255
];

const LOCAL_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/**
 * True for a host that is loopback, private, link-local, unspecified or otherwise not publicly routable,
 * judged from the text alone: IPv4 and IPv6 literals (also IPv4-mapped IPv6 and numeric forms such as
 * `2130706433` or `0x7f.1` that the system resolver turns into addresses) and the names `localhost`,
 * `*.localhost`, `ip6-localhost`. Other names are not resolved: a public-looking name may still point
 * inward — use `assertPublicHost` to check what it resolves to.
 *
 * @example
 * isPrivateHost('10.0.0.5'); // true
 * isPrivateHost('db.example.com'); // false (no DNS lookup)
 */
export function isPrivateHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (LOCAL_NAMES.has(h) || h.endsWith('.localhost')) return true;
  if (isIP(h) === 6) return isPrivateV6(ipv6Bytes(h.replace(/%.*$/, '')));
  const v4 = parseNumericV4(h);
  return v4 !== undefined && isPrivateV4(v4);
}

/**
 * Resolves `host` (as the system resolver does, /etc/hosts included) and throws `E_URL_FORBIDDEN` when
 * it is, or any of its addresses is, loopback, private or link-local; `E_CONNECTION` (retryable) when
 * it cannot be resolved. Returns the addresses. Limit: DNS can change between this check and the
 * connection (DNS rebinding), so call it right before connecting.
 *
 * @example
 * await assertPublicHost('db.example.com'); // ['203.0.113.7']
 */
export async function assertPublicHost(host: string, resolve: (host: string) => Promise<string[]> = resolveAll): Promise<string[]> {
  const forbidden = (what: string): LockstepError =>
    new LockstepError('E_URL_FORBIDDEN', `${what} a loopback, private or link-local address; the host must be reachable on a public address`, {
      details: { host },
    });
  if (isPrivateHost(host)) throw forbidden(`${host} is`);
  if (isIP(host) !== 0) return [host];
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (e) {
    throw new LockstepError('E_CONNECTION', `cannot resolve the host ${host}: ${(e as Error).message}; check the host name and DNS`, {
      cause: e,
      retryable: true,
    });
  }
  if (addresses.length === 0) throw new LockstepError('E_CONNECTION', `the host ${host} has no address; check the host name`, { retryable: true });
  const inner = addresses.filter((a) => isPrivateHost(a));
  if (inner.length > 0) throw forbidden(`${host} resolves to ${inner.join(', ')},`);
  return addresses;
}

async function resolveAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

function isPrivateV4(ip: number): boolean {
  return PRIVATE_V4.some(([net, bits]) => (ip >>> (32 - bits)) === (net >>> (32 - bits)));
}

/** An IPv4 address in any form inet_aton accepts (`127.1`, `0x7f000001`, `017700000001`), else undefined. */
function parseNumericV4(h: string): number | undefined {
  const parts = h.split('.');
  if (parts.length > 4 || parts.some((p) => !/^(0x[0-9a-f]*|0[0-7]*|[1-9]\d*)$/.test(p))) return undefined;
  const nums = parts.map((p) => (p.startsWith('0x') ? parseInt(p.slice(2) || '0', 16) : p.length > 1 && p.startsWith('0') ? parseInt(p, 8) : Number(p)));
  const last = nums.pop() ?? 0;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return undefined;
  return nums.reduce((acc, n, i) => acc + n * 2 ** (8 * (3 - i)), 0) + last;
}

function ipv6Bytes(h: string): number[] {
  let text = h;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const n = parseNumericV4(v4) ?? 0;
    text = `${text.slice(0, -v4.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const words = (s: string): number[] => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const hw = words(head);
  const tw = tail === undefined ? [] : words(tail);
  const all = [...hw, ...new Array<number>(8 - hw.length - tw.length).fill(0), ...tw];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

function isPrivateV6(b: number[]): boolean {
  const at = (i: number): number => b[i] ?? 0;
  const zeroUpTo = (n: number): boolean => b.slice(0, n).every((x) => x === 0);
  const embeddedV4 = (): number => ((at(12) << 24) >>> 0) + (at(13) << 16) + (at(14) << 8) + at(15);
  if (zeroUpTo(15) && at(15) <= 1) return true; // :: unspecified, ::1 loopback
  if (zeroUpTo(10) && at(10) === 0xff && at(11) === 0xff) return isPrivateV4(embeddedV4()); // ::ffff:a.b.c.d
  if (zeroUpTo(12)) return isPrivateV4(embeddedV4()); // ::a.b.c.d (deprecated IPv4-compatible)
  if (at(0) === 0x00 && at(1) === 0x64 && at(2) === 0xff && at(3) === 0x9b && b.slice(4, 12).every((x) => x === 0))
    return isPrivateV4(embeddedV4()); // 64:ff9b::/96 NAT64
  if ((at(0) & 0xfe) === 0xfc) return true; // fc00::/7 unique local
  if (at(0) === 0xfe && (at(1) & 0xc0) >= 0x80) return true; // fe80::/10 link-local, fec0::/10 site-local
  return at(0) === 0xff; // ff00::/8 multicast
}
