// `--follow`: poll the batch's status until it is complete, showing progress as it goes: a
// redrawn bar on a terminal, a line per change in a log, nothing but the final JSON with --json.
// Completion is the server's `isComplete`; any other status, known or not (`paused`), is a batch
// still running, so a pause is followed through.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchStatusAnswer } from './api-types.js';
import { ClientError, RequestError } from './client-error.js';
import { EXIT, type ExitCode, followExitCode } from './exit-codes.js';
import { type ApiClient, batchesPath } from './http-client.js';
import { jsonLine, type Output } from './output.js';
import { pollRetryDelay, retryNotice } from './poll-retry.js';
import {
  changeKey,
  changeLine,
  finishedCount,
  type ProgressState,
  progressLine,
  progressState,
  summaryLine,
} from './progress-view.js';
import { addSample, callsPerMinute, type Sample } from './throughput.js';

/** Time between polls (the issue asks for at most 2 s). */
export const POLL_INTERVAL_MS = 1_000;

interface FollowView {
  update(state: ProgressState, perMinute: number | undefined): void;
  notice(text: string): void;
  end(state: ProgressState, answerText: string): void;
  interrupted(): void;
}

/** Erase the terminal's current line and return to its start. */
const CLEAR_LINE = '\r\x1b[2K';

function terminalView(out: Output): FollowView {
  let line = '';
  let rate: number | undefined;
  return {
    update(state, perMinute) {
      rate = perMinute;
      line = progressLine(state, perMinute, out.columns);
      out.out(CLEAR_LINE + line);
    },
    notice(text) {
      out.out(`${CLEAR_LINE}${text}\n${line}`);
    },
    end(state) {
      out.out(`${CLEAR_LINE}${progressLine(state, rate, out.columns)}\n${summaryLine(state)}\n`);
    },
    interrupted() {
      if (line) out.out('\n');
    },
  };
}

function logView(out: Output): FollowView {
  let last = '';
  return {
    update(state) {
      const key = changeKey(state);
      if (key === last) return;
      last = key;
      out.out(`${changeLine(state)}\n`);
    },
    notice: (text) => out.out(`${text}\n`),
    end: (state) => out.out(`${changeLine(state)}\n${summaryLine(state)}\n`),
    interrupted: () => {},
  };
}

function jsonView(out: Output): FollowView {
  return {
    update: () => {},
    notice: (text) => out.err(`outdial: ${text}\n`),
    end: (_state, text) => out.out(jsonLine(text)),
    interrupted: () => {},
  };
}

const interruptedError = (batchId: string) =>
  new ClientError(
    `stopped following ${batchId}; the batch keeps running (follow it again: ` +
      `outdial batch status ${batchId} --follow)`,
    EXIT.interrupted,
  );

/** Follows a batch to its end; resolves to the exit code its outcome calls for. */
export async function followBatch(
  client: ApiClient,
  batchId: string,
  out: Output,
): Promise<ExitCode> {
  const view = out.json ? jsonView(out) : out.terminal ? terminalView(out) : logView(out);
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.on('SIGINT', onSigint);
  let samples: Sample[] = [];
  let failingSince: number | undefined;
  const wait = async (ms: number) => {
    await sleep(ms, undefined, { signal: stop.signal });
  };
  try {
    for (;;) {
      let answer: Awaited<ReturnType<typeof client.get<BatchStatusAnswer>>>;
      try {
        answer = await client.get<BatchStatusAnswer>(batchesPath(batchId), undefined, stop.signal);
      } catch (err) {
        if (stop.signal.aborted || !(err instanceof RequestError)) throw err;
        const now = Date.now();
        const delay = pollRetryDelay(err, now - (failingSince ?? now), POLL_INTERVAL_MS);
        if (delay === undefined) throw err;
        if (failingSince === undefined || err.status === 429) view.notice(retryNotice(err, delay));
        failingSince ??= now;
        await wait(delay);
        continue;
      }
      if (failingSince !== undefined) view.notice('the server answers again');
      failingSince = undefined;
      const state = progressState(answer.body);
      samples = addSample(samples, { at: state.at, finished: finishedCount(state) });
      if (state.isComplete) {
        view.end(state, answer.text);
        if (!out.json && state.failed > 0) {
          out.out(`The failed calls: outdial batch calls ${batchId} --status failed\n`);
        }
        return followExitCode(answer.body);
      }
      view.update(state, callsPerMinute(samples, state.startTime));
      await wait(POLL_INTERVAL_MS);
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    view.interrupted();
    throw interruptedError(batchId);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
