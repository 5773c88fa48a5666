import { isIP } from 'node:net';
import type { UrlProblem } from './url-problem.js';

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * The host and port of a URL authority (`host`, `host:port`, `[ipv6]:port`), lower-cased and checked;
 * problems go to `problems` and never quote the text of a bad host (it may hold a misplaced password).
 *
 * @example
 * readHostPort('[2001:db8::1]:6543', []); // { host: '2001:db8::1', port: 6543 }
 */
export function readHostPort(hostport: string, problems: UrlProblem[]): { host: string; port: number } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostport);
  if (m === null || (!hostport.startsWith('[') && /:.*:/.test(hostport))) {
    problems.push({ field: 'host', message: 'is not a host name or IP address (write an IPv6 address in brackets: [::1])' });
    return { host: '', port: 5432 };
  }
  const host = checkHost(m[1] ?? '', problems);
  return { host, port: checkPort(m[2], problems) };
}

function checkHost(raw: string, problems: UrlProblem[]): string {
  const bracketed = raw.startsWith('[');
  let host: string;
  try {
    host = decodeURIComponent(bracketed ? raw.slice(1, -1) : raw).toLowerCase();
  } catch {
    problems.push({ field: 'host', message: 'has a broken percent-encoding' });
    return '';
  }
  const problem = hostProblem(host, bracketed);
  if (problem === undefined) return host;
  problems.push({ field: 'host', message: problem });
  return '';
}

function hostProblem(host: string, bracketed: boolean): string | undefined {
  if (host === '') return 'is missing (postgres://user@HOST/database)';
  if (bracketed) return isIP(host) === 6 ? undefined : 'is not an IPv6 address';
  if (host.includes(',')) return 'lists several hosts; Lockstep connects to one host';
  if (host.startsWith('/')) return 'is a Unix-domain socket path; Lockstep connects over TCP: give a host name or address';
  if (isIP(host) === 4) return undefined;
  const labels = host.replace(/\.$/, '').split('.');
  if (host.length > 253 || !labels.every((l) => LABEL.test(l))) return 'is not a valid host name or IP address';
  if (/^(0x[0-9a-f]*|\d+)$/.test(labels[labels.length - 1] ?? '')) return 'is not a valid IPv4 address (write it as four numbers: a.b.c.d)';
  return undefined;
}

function checkPort(raw: string | undefined, problems: UrlProblem[]): number {
  if (raw === undefined || raw === '') return 5432;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (port >= 1 && port <= 65535) return port;
  problems.push({ field: 'port', message: `must be a number from 1 to 65535${/^\d+$/.test(raw) ? `, not ${raw}` : ''}` });
  return 5432;
}
