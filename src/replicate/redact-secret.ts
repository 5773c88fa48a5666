/**
 * Replaces every occurrence of a secret (as given, and percent-encoded) in text with `****`. Secrets shorter
 * than 4 characters are left alone: replacing them would garble the text and they are not worth hiding.
 *
 * @example
 * redactSecret('could not log in with s3cret!', 's3cret!'); // 'could not log in with ****'
 */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('****');
  return out;
}

/** `redactSecret` applied to every string inside a JSON-like value. */
export function redactDeep<T>(value: T, secret: string | undefined): T {
  if (!secret || secret.length < 4) return value;
  if (typeof value === 'string') return redactSecret(value, secret) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, secret)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secret);
    return out as T;
  }
  return value;
}
