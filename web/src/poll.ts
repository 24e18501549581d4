import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** The page's live refresh: at most every 2 s, as the issue asks, and paused in a hidden tab. */
export const LIVE_POLL_MS = 2_000;

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Loads `load()` now and whenever `deps` change; with `everyMs`, again on that period while
 * `keepPolling(data)` says so. A failed refresh keeps the last data and shows the error.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
  opts: { everyMs?: number; keepPolling?: (data: T) => boolean } = {},
): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const latest = useRef<T | undefined>(undefined);
  // A slow answer is not asked for again before it arrives.
  const busy = useRef(false);
  // An answer older than one already shown is dropped: a poll that was in flight when an action
  // reloaded must not put the state from before the action back on the page.
  const asked = useRef(0);
  const shown = useRef(0);

  const reload = useCallback(async () => {
    const gen = generation.current;
    const mine = ++asked.current;
    busy.current = true;
    try {
      const value = await load();
      if (gen !== generation.current || mine < shown.current) return;
      shown.current = mine;
      latest.current = value;
      setData(value);
      setError(undefined);
    } catch (err) {
      if (gen !== generation.current) return;
      setError(err as Error);
    } finally {
      busy.current = false;
      if (gen === generation.current) setLoading(false);
    }
  }, deps);

  useEffect(() => {
    generation.current++;
    latest.current = undefined;
    setData(undefined);
    setLoading(true);
    void reload();
    if (opts.everyMs === undefined) return;
    const every = opts.everyMs;
    const timer = setInterval(() => {
      if (document.hidden || busy.current) return;
      const current = latest.current;
      if (current !== undefined && opts.keepPolling && !opts.keepPolling(current)) return;
      void reload();
    }, every);
    return () => {
      clearInterval(timer);
      generation.current++;
    };
  }, [reload]);

  return { data, error, loading, reload };
}
