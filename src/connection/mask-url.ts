const URL_START = /[a-z][a-z0-9+.-]*:\/\//gi;
const PASSWORD_PARAM = /(password\s*=\s*)('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[^\s&]+)/gi;
const MASK = '****';

/**
 * `text` with every password replaced by `****`: the password of each `scheme://user:password@host`
 * URL, and every `password=…` parameter (URL query, libpq key/value string, `PGPASSWORD=…`).
 * Conservative for malformed URLs: a user or password holding an unencoded `@`, `/`, `#`, `?` or space
 * is still masked whole, at the price of sometimes masking more than the password: everything from the
 * first `:` after `scheme://` to the last `@` before the end of the line or the next URL.
 *
 * @example
 * maskUrl('could not connect to postgres://app:s3cret@db.example.com/app');
 * // 'could not connect to postgres://app:****@db.example.com/app'
 */
export function maskUrl(text: string): string {
  const starts = [...text.matchAll(URL_START)].map((m) => [m.index, m.index + m[0].length] as const);
  let out = '';
  let from = 0;
  starts.forEach(([, start], i) => {
    const next = starts[i + 1]?.[0] ?? text.length;
    const lineEnd = text.slice(start, next).search(/[\r\n]/);
    const rest = text.slice(start, lineEnd < 0 ? next : start + lineEnd);
    const [a, b] = secretSpan(rest);
    if (b <= a) return;
    out += text.slice(from, start + a) + MASK;
    from = start + b;
  });
  out += text.slice(from);
  return out.replace(PASSWORD_PARAM, (_m, key: string) => `${key}${MASK}`);
}

/**
 * The part of `rest` (what follows `scheme://`, to the end of the line or the next URL) that may hold a
 * password, as [start, end) offsets; an empty span when there is none.
 */
function secretSpan(rest: string): [number, number] {
  const colon = rest.indexOf(':');
  const at = rest.lastIndexOf('@');
  if (at >= 0) return colon >= 0 && colon < at ? [colon + 1, at] : [0, 0];
  // No '@' at all: `user:secret` without a host still counts, a numeric port does not.
  const authority = /^[^/?#\s]*/.exec(rest)?.[0] ?? '';
  const hostEnd = authority.startsWith('[') ? authority.indexOf(']') + 1 : 0;
  const portColon = authority.indexOf(':', hostEnd);
  if (portColon < 0 || /^\d+$/.test(authority.slice(portColon + 1))) return [0, 0];
  return [portColon + 1, authority.length];
}
