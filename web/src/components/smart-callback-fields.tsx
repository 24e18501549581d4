import { useId } from 'preact/hooks';
import type { CallbackGap } from '../api/types';

export interface SmartCallbackValue {
  enabled: boolean;
  maxAttempts: number;
  gaps: CallbackGap[];
}

/** The API's smartCallbackConfig JSON, or undefined to keep the agent's own settings. */
export function smartCallbackJson(v: SmartCallbackValue, override: boolean): string | undefined {
  if (!override) return undefined;
  return JSON.stringify(
    v.enabled ? { enabled: true, maxAttempts: v.maxAttempts, gaps: v.gaps } : { enabled: false },
  );
}

/** Attempts and the gaps between them (the last gap repeats); shared by batches and agents. */
export function SmartCallbackFields(props: {
  value: SmartCallbackValue;
  onChange: (v: SmartCallbackValue) => void;
  label: string;
}) {
  const id = useId();
  const v = props.value;
  const set = (patch: Partial<SmartCallbackValue>) => props.onChange({ ...v, ...patch });
  const setGap = (i: number, patch: Partial<CallbackGap>) =>
    set({ gaps: v.gaps.map((g, j) => (j === i ? { ...g, ...patch } : g)) });
  return (
    <div class="smart-callback">
      <label class="check">
        <input
          type="checkbox"
          checked={v.enabled}
          onChange={(e) => set({ enabled: e.currentTarget.checked })}
        />
        {props.label}
      </label>
      {v.enabled ? (
        <>
          <label for={`${id}-max`}>Attempts in all (first call included)</label>
          <input
            id={`${id}-max`}
            type="number"
            min={1}
            max={10}
            value={v.maxAttempts}
            onInput={(e) => set({ maxAttempts: Number(e.currentTarget.value) })}
          />
          <p class="muted small">Wait between attempts (the last wait repeats):</p>
          {v.gaps.map((g, i) => (
            <div class="gap-row" key={i}>
              <label for={`${id}-d${i}`}>Days</label>
              <input
                id={`${id}-d${i}`}
                type="number"
                min={0}
                max={30}
                value={g.days}
                onInput={(e) => setGap(i, { days: Number(e.currentTarget.value) })}
              />
              <label for={`${id}-h${i}`}>Hours</label>
              <input
                id={`${id}-h${i}`}
                type="number"
                min={0}
                max={23}
                value={g.hours}
                onInput={(e) => setGap(i, { hours: Number(e.currentTarget.value) })}
              />
              <button
                type="button"
                class="button-quiet"
                aria-label={`Remove wait ${i + 1}`}
                onClick={() => set({ gaps: v.gaps.filter((_, j) => j !== i) })}
              >
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            class="button-quiet"
            onClick={() => set({ gaps: [...v.gaps, { days: 0, hours: 4 }] })}
          >
            Add a wait
          </button>
        </>
      ) : null}
    </div>
  );
}
