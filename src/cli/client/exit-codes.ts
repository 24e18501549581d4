// What the client commands exit with. Scripts branch on these, so they are part of the interface
// (listed in `outdial batch start --help` and the README).

export const EXIT = {
  /** The command did what it was asked; a followed batch ended with every job completed. */
  ok: 0,
  /** The server could not be reached, refused the key, or answered an error. */
  error: 1,
  /** The command line itself is wrong (commander's usage errors, a missing key or file). */
  usage: 2,
  /** A followed batch ended with failed jobs (or the batch failed); validate found bad rows. */
  someFailed: 3,
  /** A followed batch was cancelled (wins over failed: a cancel is what the operator did). */
  cancelled: 4,
  /** Ctrl-C while following: the batch keeps running. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The part of a finished batch's status the exit code depends on. */
export interface FinishedBatch {
  status: string;
  progress: { failed: number; cancelled?: number };
}

/**
 * The exit code of a followed batch once it is complete: 4 when the batch, or any of its jobs, was
 * cancelled; else 3 when a job failed or the batch itself failed; else 0 (every job completed).
 */
export function followExitCode(batch: FinishedBatch): ExitCode {
  if (batch.status === 'cancelled' || (batch.progress.cancelled ?? 0) > 0) return EXIT.cancelled;
  if (batch.status === 'failed' || batch.progress.failed > 0) return EXIT.someFailed;
  return EXIT.ok;
}
