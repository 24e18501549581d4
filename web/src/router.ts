import { useEffect, useState } from 'preact/hooks';

// Pages live behind the hash (/#/batches/batch_…): the server serves one page at /, so no server
// route needs to know the dashboard's paths, and reloading any page works.

export type Route =
  | { page: 'batches'; pageNo: number }
  | { page: 'new-batch' }
  | { page: 'batch'; id: string }
  | { page: 'agents' }
  | { page: 'agent'; id: string | 'new' }
  | { page: 'settings' }
  | { page: 'dnc' }
  | { page: 'webhooks' }
  | { page: 'webhook'; id: string }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search);
  const [first, second] = parts;
  if (parts.length === 0 || (first === 'batches' && parts.length === 1)) {
    const n = Number(query.get('page') ?? '1');
    return { page: 'batches', pageNo: Number.isInteger(n) && n >= 1 ? n : 1 };
  }
  if (first === 'batches' && second === 'new' && parts.length === 2) return { page: 'new-batch' };
  if (first === 'batches' && second && parts.length === 2) return { page: 'batch', id: second };
  if (first === 'agents' && parts.length === 1) return { page: 'agents' };
  if (first === 'agents' && second && parts.length === 2) return { page: 'agent', id: second };
  if (first === 'settings' && parts.length === 1) return { page: 'settings' };
  if (first === 'do-not-call' && parts.length === 1) return { page: 'dnc' };
  if (first === 'webhooks' && parts.length === 1) return { page: 'webhooks' };
  if (first === 'webhooks' && second && parts.length === 2) return { page: 'webhook', id: second };
  return { page: 'not-found', path };
}

export const href = {
  batches: (page = 1) => (page > 1 ? `#/batches?page=${page}` : '#/batches'),
  newBatch: () => '#/batches/new',
  batch: (id: string) => `#/batches/${encodeURIComponent(id)}`,
  agents: () => '#/agents',
  agent: (id: string) => `#/agents/${encodeURIComponent(id)}`,
  settings: () => '#/settings',
  dnc: () => '#/do-not-call',
  webhooks: () => '#/webhooks',
  webhook: (id: string) => `#/webhooks/${encodeURIComponent(id)}`,
};

export function navigate(to: string): void {
  window.location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
