import { type CallingWindow, parseCallingWindow } from '../domain/calling-window.js';
import { DEFAULT_FLOOR } from '../domain/effective-window.js';
import type { Workspace } from '../domain/types.js';
import type { Queryable } from './db.js';

interface WorkspaceRow {
  id: string;
  name: string;
  max_concurrent_calls: number;
  calls_per_second: number;
  timezone: string;
  frequency_cap_max: number | null;
  frequency_cap_hours: number | null;
  calling_window: unknown;
  require_consent: boolean;
  paused_at: number | null;
  created_at: number;
}

/** The stored floor; a value this version cannot read falls back to the default, never to none. */
export function readFloor(raw: unknown): CallingWindow {
  const parsed = parseCallingWindow(raw);
  return parsed.ok ? parsed.value : DEFAULT_FLOOR;
}

const toWorkspace = (r: WorkspaceRow): Workspace => ({
  id: r.id,
  name: r.name,
  maxConcurrentCalls: r.max_concurrent_calls,
  callsPerSecond: r.calls_per_second,
  timezone: r.timezone,
  frequencyCap:
    r.frequency_cap_max === null || r.frequency_cap_hours === null
      ? null
      : { maxAttempts: r.frequency_cap_max, periodHours: r.frequency_cap_hours },
  callingWindow: readFloor(r.calling_window),
  requireConsent: r.require_consent,
  pausedAt: r.paused_at,
  createdAt: r.created_at,
});

export async function insertWorkspace(
  q: Queryable,
  w: { id: string; name: string; createdAt: number },
): Promise<Workspace> {
  const rows = await q.query<WorkspaceRow>(
    'INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3) RETURNING *',
    [w.id, w.name, w.createdAt],
  );
  return toWorkspace(rows[0]!);
}

export async function getWorkspace(q: Queryable, id: string): Promise<Workspace | undefined> {
  const rows = await q.query<WorkspaceRow>('SELECT * FROM workspaces WHERE id = $1', [id]);
  return rows[0] && toWorkspace(rows[0]);
}

export async function listWorkspaces(q: Queryable): Promise<Workspace[]> {
  const rows = await q.query<WorkspaceRow>('SELECT * FROM workspaces ORDER BY created_at, id');
  return rows.map(toWorkspace);
}

export async function countWorkspaces(q: Queryable): Promise<number> {
  const rows = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM workspaces');
  return rows[0]!.n;
}

export async function updateWorkspaceSettings(
  q: Queryable,
  id: string,
  patch: Partial<
    Pick<
      Workspace,
      | 'maxConcurrentCalls'
      | 'callsPerSecond'
      | 'timezone'
      | 'frequencyCap'
      | 'callingWindow'
      | 'requireConsent'
    >
  >,
): Promise<Workspace | undefined> {
  // $5: whether frequencyCap was sent at all (null turns the cap off). $8 calling window (JSON),
  // $9 requireConsent; NULL keeps each.
  const rows = await q.query<WorkspaceRow>(
    `UPDATE workspaces SET
       max_concurrent_calls = COALESCE($2, max_concurrent_calls),
       calls_per_second = COALESCE($3, calls_per_second),
       timezone = COALESCE($4, timezone),
       frequency_cap_max = CASE WHEN $5::boolean THEN $6::int ELSE frequency_cap_max END,
       frequency_cap_hours = CASE WHEN $5::boolean THEN $7::int ELSE frequency_cap_hours END,
       calling_window = COALESCE($8::jsonb, calling_window),
       require_consent = COALESCE($9::boolean, require_consent)
     WHERE id = $1 RETURNING *`,
    [
      id,
      patch.maxConcurrentCalls ?? null,
      patch.callsPerSecond ?? null,
      patch.timezone ?? null,
      patch.frequencyCap !== undefined,
      patch.frequencyCap?.maxAttempts ?? null,
      patch.frequencyCap?.periodHours ?? null,
      patch.callingWindow === undefined ? null : JSON.stringify(patch.callingWindow),
      patch.requireConsent ?? null,
    ],
  );
  return rows[0] && toWorkspace(rows[0]);
}
