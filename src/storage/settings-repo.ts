import type { Queryable } from './db.js';

/** Deployment-wide settings (the `settings` table): a name and a text value. */

export async function getSetting(q: Queryable, name: string): Promise<string | undefined> {
  const rows = await q.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [
    name,
  ]);
  return rows[0]?.value;
}

/**
 * Stores `value` unless the setting exists, and returns the stored value: of several processes
 * starting at once, the first one's value wins and every one of them gets it.
 */
export async function putSettingOnce(q: Queryable, name: string, value: string): Promise<string> {
  await q.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    name,
    value,
  ]);
  return (await getSetting(q, name)) ?? value;
}

export async function deleteSetting(q: Queryable, name: string): Promise<void> {
  await q.query('DELETE FROM settings WHERE name = $1', [name]);
}
