import { useId } from 'preact/hooks';

export interface CallingWindowValue {
  enabled: boolean;
  timezone: string;
  days: number[];
  start: string;
  end: string;
}

export const DEFAULT_WINDOW: CallingWindowValue = {
  enabled: false,
  timezone: 'recipient',
  days: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '20:00',
};

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The API's callingWindow JSON, or undefined when no window is set. */
export function callingWindowJson(w: CallingWindowValue): string | undefined {
  if (!w.enabled) return undefined;
  return JSON.stringify({ timezone: w.timezone, days: w.days, start: w.start, end: w.end });
}

export function CallingWindowFields(props: {
  value: CallingWindowValue;
  onChange: (v: CallingWindowValue) => void;
}) {
  const id = useId();
  const v = props.value;
  const set = (patch: Partial<CallingWindowValue>) => props.onChange({ ...v, ...patch });
  return (
    <fieldset class="fieldset">
      <legend>Calling window</legend>
      <label class="check">
        <input
          type="checkbox"
          checked={v.enabled}
          onChange={(e) => set({ enabled: e.currentTarget.checked })}
        />
        Only call during these hours
      </label>
      {v.enabled ? (
        <div class="grid-2">
          <div>
            <label for={`${id}-tz`}>Time zone</label>
            <input
              id={`${id}-tz`}
              list={`${id}-zones`}
              value={v.timezone}
              onInput={(e) => set({ timezone: e.currentTarget.value })}
              aria-describedby={`${id}-tz-help`}
            />
            <datalist id={`${id}-zones`}>
              <option value="recipient" />
              <option value="UTC" />
              <option value="America/New_York" />
              <option value="America/Chicago" />
              <option value="America/Los_Angeles" />
              <option value="Europe/London" />
              <option value="Europe/Berlin" />
            </datalist>
            <p id={`${id}-tz-help`} class="muted small">
              <code>recipient</code>: each contact's own local time, from the number.
            </p>
          </div>
          <div class="grid-2">
            <div>
              <label for={`${id}-start`}>From</label>
              <input
                id={`${id}-start`}
                type="time"
                value={v.start}
                onInput={(e) => set({ start: e.currentTarget.value })}
              />
            </div>
            <div>
              <label for={`${id}-end`}>Until</label>
              <input
                id={`${id}-end`}
                type="time"
                value={v.end}
                onInput={(e) => set({ end: e.currentTarget.value })}
              />
            </div>
          </div>
          <fieldset class="days">
            <legend>Days</legend>
            {DAYS.map((d, i) => (
              <label key={d} class="check">
                <input
                  type="checkbox"
                  checked={v.days.includes(i + 1)}
                  onChange={(e) =>
                    set({
                      days: e.currentTarget.checked
                        ? [...v.days, i + 1].sort()
                        : v.days.filter((x) => x !== i + 1),
                    })
                  }
                />
                {d}
              </label>
            ))}
          </fieldset>
        </div>
      ) : null}
    </fieldset>
  );
}
