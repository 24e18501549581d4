import { parseAutoPause } from './auto-pause.js';
import { parseCallingWindow } from './calling-window.js';
import type { BatchConfig, CallbackGap, SmartCallbackConfig } from './types.js';

// A batch's frozen config as stored (batches.config, jsonb), read back into its type once, where
// storage reads the row: nothing above storage handles it untyped, and the calling window is
// parsed once per batch read, not once per call. The stored value was validated when the batch
// was created, so a value that does not fit is a damaged row and is refused loudly.

export class StoredConfigError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

function smartCallbackOf(raw: unknown): SmartCallbackConfig {
  if (
    !isObject(raw) ||
    typeof raw['enabled'] !== 'boolean' ||
    !isCount(raw['maxAttempts']) ||
    !Array.isArray(raw['gaps'])
  ) {
    throw new StoredConfigError('smartCallback is not {enabled, maxAttempts, gaps}');
  }
  const gaps = raw['gaps'].map((g): CallbackGap => {
    if (!isObject(g) || !isCount(g['days']) || !isCount(g['hours'])) {
      throw new StoredConfigError('a smartCallback gap is not {days, hours}');
    }
    return { days: g['days'], hours: g['hours'] };
  });
  return { enabled: raw['enabled'], maxAttempts: raw['maxAttempts'], gaps };
}

/** The typed config of a stored batch; keys it does not know (older rows) are ignored. */
export function readBatchConfig(raw: unknown): BatchConfig {
  if (raw === null || raw === undefined) return {};
  if (!isObject(raw)) throw new StoredConfigError('the batch config is not a JSON object');
  const out: BatchConfig = {};
  if (raw['smartCallback'] !== undefined) out.smartCallback = smartCallbackOf(raw['smartCallback']);
  if (raw['callingWindow'] !== undefined && raw['callingWindow'] !== null) {
    const parsed = parseCallingWindow(raw['callingWindow']);
    if (!parsed.ok) throw new StoredConfigError(`callingWindow: ${parsed.message}`);
    out.callingWindow = parsed.value;
  }
  if (raw['defaultCountry'] !== undefined) {
    if (typeof raw['defaultCountry'] !== 'string') {
      throw new StoredConfigError('defaultCountry is not a string');
    }
    out.defaultCountry = raw['defaultCountry'];
  }
  if (raw['autoPause'] !== undefined) {
    const parsed = parseAutoPause(raw['autoPause']);
    if (!parsed.ok) throw new StoredConfigError(parsed.message);
    out.autoPause = parsed.value;
  }
  return out;
}
