// Times and durations for people: local wall-clock instants, h:mm:ss durations.

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-05-01 14:03:22` in the local time zone (the one TZ names). */
export function formatInstant(epochMs: number): string {
  const d = new Date(epochMs);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `0:42`, `12:05`, `1:02:03`: minutes and seconds, hours when there are any; rounded up. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
