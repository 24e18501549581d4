import { useId, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { BatchStatusBody, ControlAnswer, RetryAnswer } from '../api/types';
import { formatCount, formatDateTime } from '../format';

// Ext §17: the reasons a failed job can be retried for, and the ones the API picks by default.
const RETRY_REASONS: Array<[string, string, boolean]> = [
  ['busy', 'Busy', true],
  ['no_answer', 'No answer', true],
  ['provider_error', 'Carrier error', true],
  ['unknown', 'Outcome unknown', true],
  ['unreachable', 'Unreachable number', false],
  ['carrier_blocked', 'Blocked by the carrier', false],
  ['voicemail', 'Voicemail (also completed calls that reached one)', false],
];

const DEFAULT_REASONS = RETRY_REASONS.filter(([, , on]) => on).map(([r]) => r);

interface ControlProps {
  api: Api;
  batch: BatchStatusBody;
  reload: () => Promise<void>;
  onDone: (notice: string) => void;
  onError: (err: Error | undefined) => void;
}

/**
 * Runs one action; its words go to the page (`onDone`) only after the batch has been read
 * again, so the status shown already agrees with what the notice says.
 */
function useAction(props: ControlProps) {
  const [busy, setBusy] = useState(false);
  const act = async (call: () => Promise<string>) => {
    setBusy(true);
    props.onError(undefined);
    try {
      const notice = await call();
      await props.reload();
      props.onDone(notice);
    } catch (err) {
      props.onError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return { busy, act };
}

export const canRetry = (b: BatchStatusBody) => b.status !== 'cancelled' && b.progress.failed > 0;

/** Pause (queued or running) and resume (paused); the retry button opens `RetryForm`. */
export function BatchControls(
  props: ControlProps & { retryOpen: boolean; onRetryToggle: () => void; retryFormId: string },
) {
  const { batch: b, api } = props;
  const { busy, act } = useAction(props);
  const control = (what: 'pause' | 'resume') =>
    act(async () => {
      const answer = await api.json<ControlAnswer>('POST', `/batch-calls/${b.id}/${what}`);
      return answer.message;
    });
  return (
    <>
      {b.status === 'queued' || b.status === 'processing' ? (
        <button type="button" disabled={busy} onClick={() => void control('pause')}>
          Pause
        </button>
      ) : null}
      {b.status === 'paused' ? (
        <button
          type="button"
          class="button-primary"
          disabled={busy}
          onClick={() => void control('resume')}
        >
          Resume
        </button>
      ) : null}
      {canRetry(b) ? (
        <button
          type="button"
          onClick={props.onRetryToggle}
          aria-expanded={props.retryOpen}
          aria-controls={props.retryFormId}
        >
          Retry failed…
        </button>
      ) : null}
    </>
  );
}

/** Which failed calls to dial again (§17 reasons, the API's defaults ticked). */
export function RetryForm(props: ControlProps & { id: string; onClose: () => void }) {
  const id = useId();
  const { batch: b, api } = props;
  const { busy, act } = useAction(props);
  const [reasons, setReasons] = useState<string[]>(DEFAULT_REASONS);
  const retry = () =>
    act(async () => {
      const answer = await api.json<RetryAnswer>('POST', `/batch-calls/${b.id}/retry`, {
        body: { reasons },
      });
      props.onClose();
      const n = answer.retriedCalls;
      return n === 0
        ? 'No failed call matched those reasons; nothing was retried.'
        : `${formatCount(n)} failed call${n === 1 ? '' : 's'} will be tried again.`;
    });
  const toggle = (reason: string, on: boolean) =>
    setReasons((rs) => (on ? [...rs, reason] : rs.filter((r) => r !== reason)));
  return (
    <form
      id={props.id}
      class="card confirm stack"
      aria-labelledby={`${id}-legend`}
      onSubmit={(e) => {
        e.preventDefault();
        void retry();
      }}
    >
      <fieldset class="fieldset">
        <legend id={`${id}-legend`}>
          Retry the {formatCount(b.progress.failed)} failed calls whose last attempt ended as
        </legend>
        {RETRY_REASONS.map(([reason, text]) => (
          <label class="check" key={reason}>
            <input
              type="checkbox"
              checked={reasons.includes(reason)}
              onChange={(e) => toggle(reason, e.currentTarget.checked)}
            />{' '}
            {text}
          </label>
        ))}
      </fieldset>
      <p class="muted small">Each retried call gets a fresh set of attempts.</p>
      <div class="actions">
        <button type="submit" class="button-primary" disabled={busy || reasons.length === 0}>
          Retry these calls
        </button>
        <button type="button" onClick={props.onClose}>
          Not now
        </button>
      </div>
    </form>
  );
}

/** Why a paused batch waits, and since when. */
export function PausedNote({ batch: b }: { batch: BatchStatusBody }) {
  if (b.status !== 'paused') return null;
  return (
    <p class="note" role="status">
      Paused{b.pausedReason ? `: ${b.pausedReason}` : ''}
      {b.pausedAt !== undefined ? ` (since ${formatDateTime(b.pausedAt)})` : ''}. No new call starts
      until the batch is resumed.
    </p>
  );
}
