import { useEffect, useState } from 'react';

export const PAGES = ['connection', 'sync', 'replication', 'classroom'] as const;
export type Page = (typeof PAGES)[number];

export interface Route {
  device: string | undefined;
  page: Page;
}

function parse(hash: string): Route {
  const [device, page] = hash.replace(/^#\/?/, '').split('/');
  return {
    device: device ? decodeURIComponent(device) : undefined,
    page: (PAGES as readonly string[]).includes(page ?? '') ? (page as Page) : 'sync',
  };
}

/** The page's address: `#/<device>/<page>`. */
export function hrefFor(device: string, page: Page): string {
  return `#/${encodeURIComponent(device)}/${page}`;
}

/** The current route, following the address bar's hash. */
export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parse(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parse(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
