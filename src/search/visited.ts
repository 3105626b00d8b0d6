/**
 * A set of 64-bit fingerprints in one typed array (open addressing, linear probing): 8 bytes
 * a slot, at most 70% full, so 10^7 fingerprints fit in 2^24 slots = 128 MiB (192 MiB for the
 * moment of growing into it). A JavaScript Set<bigint> costs about 59 bytes a fingerprint
 * (566 MiB for 10^7; bench/exhaustive.ts measures both).
 * The fingerprint (0, 0) marks an empty slot; a real (0, 0) is stored as (0, 1).
 */
export class FingerprintSet {
  private table: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialSlots = 1 << 16) {
    let slots = 1;
    while (slots < initialSlots) slots *= 2;
    this.table = new Uint32Array(slots * 2);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  /** Add a fingerprint; true if it was not there before. */
  add(a: number, b: number): boolean {
    a |= 0;
    b |= 0;
    if (a === 0 && b === 0) b = 1;
    if ((this.count + 1) * 10 > (this.mask + 1) * 7) this.grow();
    return this.insert(this.table, this.mask, a, b);
  }

  has(a: number, b: number): boolean {
    a |= 0;
    b |= 0;
    if (a === 0 && b === 0) b = 1;
    const t = this.table;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const x = t[2 * i]! | 0;
      const y = t[2 * i + 1]! | 0;
      if (x === 0 && y === 0) return false;
      if (x === a && y === b) return true;
      i = (i + 1) & this.mask;
    }
  }

  private insert(t: Uint32Array, mask: number, a: number, b: number): boolean {
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      const x = t[2 * i]! | 0;
      const y = t[2 * i + 1]! | 0;
      if (x === 0 && y === 0) {
        t[2 * i] = a;
        t[2 * i + 1] = b;
        if (t === this.table) this.count++;
        return true;
      }
      if (x === a && y === b) return false;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    const next = new Uint32Array(slots * 2);
    const mask = slots - 1;
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i]! | 0;
      const b = old[i + 1]! | 0;
      if (a !== 0 || b !== 0) this.insert(next, mask, a, b);
    }
    this.table = next;
    this.mask = mask;
  }
}

/**
 * A map from 64-bit fingerprints to non-negative integers (open addressing, linear probing,
 * at most 50% full): the exhaustive search's index of the states first found at the level
 * being built, to merge the sleep sets of every parent that reaches one (exhaustive.ts).
 * Emptied per level with clear().
 */
export class FingerprintIndex {
  private keys: Int32Array;
  /** value + 1 per slot; 0 marks an empty slot. */
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialSlots = 1 << 12) {
    let slots = 1;
    while (slots < initialSlots) slots *= 2;
    this.keys = new Int32Array(slots * 2);
    this.values = new Int32Array(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value stored under (a, b), or -1. */
  get(a: number, b: number): number {
    a |= 0;
    b |= 0;
    const { keys, values, mask } = this;
    for (let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const v = values[i]!;
      if (v === 0) return -1;
      if (keys[2 * i] === a && keys[2 * i + 1] === b) return v - 1;
    }
  }

  /** Store `value` (>= 0) under (a, b), replacing what was there. */
  set(a: number, b: number, value: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    if (this.put(a | 0, b | 0, value + 1)) this.count++;
  }

  /** Forget every entry (the table keeps its size). */
  clear(): void {
    if (this.count === 0) return;
    this.values.fill(0);
    this.count = 0;
  }

  private put(a: number, b: number, v: number): boolean {
    const { keys, values, mask } = this;
    for (let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      if (values[i] === 0) {
        keys[2 * i] = a;
        keys[2 * i + 1] = b;
        values[i] = v;
        return true;
      }
      if (keys[2 * i] === a && keys[2 * i + 1] === b) {
        values[i] = v;
        return false;
      }
    }
  }

  private grow(): void {
    const { keys, values } = this;
    const slots = (this.mask + 1) * 2;
    this.keys = new Int32Array(slots * 2);
    this.values = new Int32Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) this.put(keys[2 * i]!, keys[2 * i + 1]!, values[i]!);
  }
}
