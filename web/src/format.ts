// How times, durations and states read on the page. Dates in the viewer's own locale and zone.

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const time = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export const formatDateTime = (ms: number | undefined | null) =>
  ms === undefined || ms === null ? '—' : dateTime.format(new Date(ms));

export const formatTime = (ms: number | undefined | null) =>
  ms === undefined || ms === null ? '—' : time.format(new Date(ms));

/** 42 → "42 s", 125 → "2 min 5 s", 3725 → "1 h 2 min". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(m / 60);
  return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

export const formatCount = (n: number) => n.toLocaleString();

/** snake_case words as a person writes them: no_answer → "no answer". */
export const humanize = (s: string) => s.replaceAll('_', ' ');

/** The same, as a label: callback_requested → "Callback requested". */
export const label = (s: string) => {
  const h = humanize(s);
  return h.charAt(0).toUpperCase() + h.slice(1);
};

export const percent = (part: number, whole: number) =>
  whole <= 0 ? 0 : Math.round((part / whole) * 100);
