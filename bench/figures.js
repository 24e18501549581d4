// Output protocol (DESIGN §8): one JSON line per figure on stdout; everything else on stderr.

/** Progress and diagnostics: stderr, so stdout stays machine-readable. */
export function note(message) {
  process.stderr.write(`bench: ${message}\n`);
}

const round = (x, digits) => {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * Prints one figure. `ratio` is value ÷ baseline unless given: whether higher or lower is better
 * depends on the figure (docs/benchmarks.md says which).
 */
export function emitFigure({ bench, value, unit, baseline, ratio }) {
  const r = ratio ?? (baseline ? value / baseline : null);
  const line = {
    bench,
    value: round(value, value >= 100 ? 0 : 2),
    unit,
    baseline: round(baseline, baseline >= 100 ? 0 : 2),
    ratio: round(r, 3),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return line;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
