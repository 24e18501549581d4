import { useId, useState } from 'preact/hooks';
import type { Webhook } from '../api/types';
import { ErrorNote } from './layout';

// §20: the events an endpoint can subscribe to ("*" is every one, including later ones).
export const WEBHOOK_EVENTS = [
  'batch.started',
  'batch.paused',
  'batch.resumed',
  'batch.completed',
  'batch.cancelled',
  'call.attempt_ended',
  'call.completed',
  'call.failed',
  'call.cancelled',
  'call.result_updated',
];

export interface WebhookDraft {
  url: string;
  events: string[];
  description: string;
}

export const eventsText = (events: string[]) =>
  events.includes('*') ? 'All events' : events.join(', ');

/** Create or edit an endpoint: its URL, all events or chosen ones, a description. */
export function WebhookForm(props: {
  initial?: Webhook;
  submitLabel: string;
  onSubmit: (draft: WebhookDraft) => Promise<void>;
  onCancel?: () => void;
}) {
  const id = useId();
  const init = props.initial;
  const [url, setUrl] = useState(init?.url ?? '');
  const [all, setAll] = useState(init ? init.events.includes('*') : true);
  const [chosen, setChosen] = useState<string[]>(
    init && !init.events.includes('*') ? init.events : [],
  );
  const [description, setDescription] = useState(init?.description ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!all && chosen.length === 0) {
      setError(new Error('Choose at least one event, or all events.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit({
        url: url.trim(),
        events: all ? ['*'] : WEBHOOK_EVENTS.filter((ev) => chosen.includes(ev)),
        description: description.trim(),
      });
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (ev: string, on: boolean) =>
    setChosen((cs) => (on ? [...cs, ev] : cs.filter((c) => c !== ev)));

  return (
    <form class="stack" onSubmit={submit}>
      <label for={`${id}-url`}>Endpoint URL</label>
      <input
        id={`${id}-url`}
        type="url"
        required
        maxLength={2048}
        placeholder="https://example.com/outdial-events"
        value={url}
        onInput={(e) => setUrl(e.currentTarget.value)}
      />
      <fieldset class="fieldset">
        <legend>Events to send</legend>
        <label class="check">
          <input type="radio" name={`${id}-which`} checked={all} onChange={() => setAll(true)} />
          All events
        </label>
        <label class="check">
          <input type="radio" name={`${id}-which`} checked={!all} onChange={() => setAll(false)} />
          Only the events chosen below
        </label>
        {!all ? (
          <div class="event-choices">
            {WEBHOOK_EVENTS.map((ev) => (
              <label class="check mono small" key={ev}>
                <input
                  type="checkbox"
                  checked={chosen.includes(ev)}
                  onChange={(e) => toggle(ev, e.currentTarget.checked)}
                />
                {ev}
              </label>
            ))}
          </div>
        ) : null}
      </fieldset>
      <label for={`${id}-description`}>Description (optional)</label>
      <input
        id={`${id}-description`}
        maxLength={500}
        value={description}
        onInput={(e) => setDescription(e.currentTarget.value)}
      />
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" class="button-primary" disabled={busy}>
          {props.submitLabel}
        </button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** A signing secret, shown once: the user copies it now or rotates it later. */
export function SecretOnce({ secret, onDismiss }: { secret: string; onDismiss: () => void }) {
  const id = useId();
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied to the clipboard.');
    } catch {
      // No clipboard permission: the text is selected so Ctrl+C / ⌘C copies it.
      const field = document.getElementById(`${id}-secret`) as HTMLInputElement | null;
      field?.select();
      setCopied('Selected: press Ctrl+C (⌘C on a Mac) to copy it.');
    }
  };
  return (
    <section class="card secret-once stack" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Signing secret</h2>
      <p>
        Copy it now: it is shown only this once. Your receiver checks each event's{' '}
        <code>webhook-signature</code> with it.
      </p>
      <label for={`${id}-secret`}>Secret</label>
      <div class="secret-row">
        <input
          id={`${id}-secret`}
          class="mono"
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" class="button-primary" onClick={() => void copy()}>
          Copy secret
        </button>
      </div>
      <p class="muted small" role="status">
        {copied ?? ''}
      </p>
      <div>
        <button type="button" onClick={onDismiss}>
          I have saved it
        </button>
      </div>
    </section>
  );
}
