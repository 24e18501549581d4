// The "recipient" calling-window zone of one number (contract §1 ext): the number's own zone when
// its numbering range maps to exactly one, else the workspace's. A range that spans zones (a US
// toll-free number, the whole of +1 before an area code is known, a country with several zones)
// has no one local time to respect, so the workspace's zone is the contract's stated fallback.
import { isValidTimeZone } from './calling-window.js';

/**
 * `numberZones` is what the number → zone data says (null: the number is not in it). A single
 * zone the runtime's zone rules do not know is treated as no answer, so a window is never read in
 * a zone the engine cannot evaluate.
 */
export function recipientZone(
  numberZones: readonly string[] | null,
  workspaceZone: string,
): string {
  if (numberZones === null) return workspaceZone;
  const distinct = new Set(numberZones);
  if (distinct.size !== 1) return workspaceZone;
  const [zone] = distinct;
  return zone !== undefined && isValidTimeZone(zone) ? zone : workspaceZone;
}
