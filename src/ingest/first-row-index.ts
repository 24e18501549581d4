// Which row first had a number, for the duplicate check of an upload. A Map of a few hundred
// thousand strings cost a large upload 18 MB of heap (the map, and its old tables each time it
// grew), freed only by a full collection. E.164 numbers are at most 15 digits after "+", with no
// leading zero, so each is exactly one integer below 2^53: this table keys them by that integer
// in two typed arrays sized once for every row (open addressing, linear probing). A number not
// of that shape (none that normalisation produces) goes to a Map instead.

const E164 = /^\+[1-9]\d{0,14}$/;
const TWO_32 = 2 ** 32;

export class FirstRowIndex {
  private readonly keys: Float64Array;
  private readonly rows: Int32Array;
  private readonly mask: number;
  private other: Map<string, number> | undefined;

  /** `capacity`: how many numbers at most will be added. */
  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.keys = new Float64Array(size);
    this.rows = new Int32Array(size);
    this.mask = size - 1;
  }

  /** The row stored for `e164`; when there is none, stores `row` and returns undefined. */
  firstOrAdd(e164: string, row: number): number | undefined {
    if (!E164.test(e164)) {
      this.other ??= new Map();
      const first = this.other.get(e164);
      if (first === undefined) this.other.set(e164, row);
      return first;
    }
    const key = Number(e164);
    const lo = key % TWO_32;
    const hi = (key - lo) / TWO_32;
    let slot = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) & this.mask;
    for (;;) {
      const k = this.keys[slot]!;
      if (k === key) return this.rows[slot];
      if (k === 0) {
        this.keys[slot] = key;
        this.rows[slot] = row;
        return undefined;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}
