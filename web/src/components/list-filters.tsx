import { useEffect, useState } from 'preact/hooks';

// The filters above a long list: a status select and a number search, the same on every list so
// they read and behave alike (and a search by number takes any spacing, the server normalises).

export function StatusFilter<T extends string>(props: {
  id: string;
  value: T;
  options: ReadonlyArray<readonly [T, string]>;
  /** Shown after an option's label, e.g. its count. */
  suffix?: (value: T) => string;
  onChange: (value: T) => void;
}) {
  return (
    <div>
      <label for={props.id}>Status</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value as T)}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
            {props.suffix?.(value) ?? ''}
          </option>
        ))}
      </select>
    </div>
  );
}

export function NumberSearch(props: { id: string; value: string; onInput: (v: string) => void }) {
  return (
    <div>
      <label for={props.id}>Search by number</label>
      <input
        id={props.id}
        type="search"
        inputMode="tel"
        placeholder="e.g. 555 0101"
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </div>
  );
}

/**
 * The number typed in a NumberSearch, and the search it settles into once typing pauses (not on
 * every key); `onNewSearch` runs when the search changes (a list goes back to its page 1).
 */
export function useNumberSearch(onNewSearch: () => void) {
  const [typed, setTyped] = useState('');
  const [phone, setPhone] = useState('');
  useEffect(() => {
    const next = typed.trim();
    if (next === phone) return;
    const t = setTimeout(() => {
      setPhone(next);
      onNewSearch();
    }, 300);
    return () => clearTimeout(t);
  }, [typed, phone]);
  return { typed, setTyped, phone };
}
