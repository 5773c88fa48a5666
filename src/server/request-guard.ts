import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';

/**
 * True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`.
 *
 * @example
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('0.0.0.0'); // false
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** The host name of a Host header (`[::1]:8080` → `::1`). */
function hostName(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'));
  return header.split(':')[0] ?? '';
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * The server's front door, as an `onRequest` hook:
 * - with a token, every /api request needs `Authorization: Bearer <token>` (`E_UNAUTHORIZED`, 401);
 * - without one (loopback only), the Host header must name a loopback host, so a web page elsewhere
 *   cannot reach the API through DNS rebinding (`E_FORBIDDEN_HOST`, 403).
 *
 * @example
 * app.addHook('onRequest', requestGuard(options.token));
 */
export function requestGuard(token: string | undefined): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return async (request) => {
    if (expected === undefined) {
      if (!isLoopbackHost(hostName(request.headers.host)))
        throw new HttpError('E_FORBIDDEN_HOST', 'this server answers only on 127.0.0.1 or localhost; start it with --host and a token to serve other hosts');
      return;
    }
    if (!request.url.startsWith('/api/')) return;
    const given = request.headers.authorization;
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected))
      throw new HttpError('E_UNAUTHORIZED', 'this server needs the token it printed at start: send Authorization: Bearer <token>');
  };
}
