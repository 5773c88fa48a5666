import type { ErrorBody } from '../../src/server/api-types.js';

const TOKEN_KEY = 'lockstep-token';

/** An error answer from the API, with its stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Takes a token given in the page URL (`#token=…`) into session storage, out of the address bar. */
export function adoptTokenFromUrl(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!m?.[1]) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', `${window.location.pathname}#/`);
}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/**
 * Calls the API: JSON in, JSON out, the bearer token when there is one. Error answers throw `ApiError`.
 *
 * @example
 * const { devices } = await api<{ devices: DeviceSummary[] }>('GET', '/api/devices');
 */
export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, 'E_NETWORK', 'the Lockstep server cannot be reached; is it still running?', undefined);
  }
  const text = await res.text();
  const json: unknown = text === '' ? undefined : JSON.parse(text);
  if (!res.ok) {
    const e = (json ?? {}) as Partial<ErrorBody>;
    throw new ApiError(res.status, e.code ?? 'E_INTERNAL', e.message ?? `the server answered ${res.status}`, e.details);
  }
  return json as T;
}

/** The path of a device's API. */
export function devicePath(device: string, rest = ''): string {
  return `/api/devices/${encodeURIComponent(device)}${rest}`;
}
