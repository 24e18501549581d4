// The signed-in workspace and key, kept in this tab's session storage only: closing the tab signs
// out, and the key never goes into a URL, a cookie or local storage.

export interface Session {
  workspaceId: string;
  apiKey: string;
}

const KEY = 'outdial.session';

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const s = JSON.parse(raw) as Partial<Session>;
    return typeof s.workspaceId === 'string' && typeof s.apiKey === 'string'
      ? { workspaceId: s.workspaceId, apiKey: s.apiKey }
      : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
