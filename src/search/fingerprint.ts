/**
 * 64-bit structural fingerprints of plain values (node states, messages), for the exhaustive
 * search's visited set.
 *
 * A value is hashed by walking it, not by printing it: objects by sorted key (a key whose value
 * is undefined counts as absent, as in JSON), arrays in order, Maps and Sets as unordered
 * collections (a commutative sum of their entries' hashes, so insertion order, which is
 * history, does not matter), any other iterable object (a collection class such as
 * core/persistent.ts's PersistentMap) as the sequence it iterates, whatever its inner layout. Plain objects are hashed the same way, as unordered (key, value)
 * pairs: no key sort. Objects are not cached by identity: a WeakMap (or Map) insertion costs
 * about 1-2 us in V8 (measured, 10^6 inserts), more than hashing a node state; the search
 * instead reuses the hash of every node state a step did not replace (exhaustive.ts).
 *
 * Two 32-bit lanes (FNV-1a style in one, a multiply-rotate mix with another constant in the
 * other) make one 64-bit fingerprint; with an ideal hash, 10^7 states collide with probability
 * about 10^14 / 2^65 = 3e-6. A collision can only merge two states (under-explore), never report a
 * violation that is not there: every counterexample is a real path.
 */

/** The two lanes of the hash being computed. Module state: the walk is synchronous. */
let laneA = 0;
let laneB = 0;

const SEED_A = 0x811c9dc5;
const SEED_B = 0x9747b28c;

function feed(x: number): void {
  laneA = Math.imul(laneA ^ x, 0x01000193);
  let k = Math.imul(x, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  laneB ^= Math.imul(k, 0x1b873593);
  laneB = (laneB << 13) | (laneB >>> 19);
  laneB = (Math.imul(laneB, 5) + 0xe6546b64) | 0;
}

/** murmur3's finaliser: spreads every input bit over the word (needed before summing). */
export function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

// Type tags keep e.g. the string "1" and the number 1, or [] and {}, apart.
const T_UNDEF = 1, T_NULL = 2, T_FALSE = 3, T_TRUE = 4, T_NUM = 5, T_STR = 6, T_ARR = 7, T_OBJ = 8, T_MAP = 9, T_SET = 10, T_BIG = 11, T_ITER = 12;


/**
 * Strings' own hashes, memoised: the same keys, value ids and message kinds recur in every
 * state. Bounded (cleared when full) so a long search cannot grow it without end.
 */
const strings = new Map<string, Fp>();
const MAX_STRINGS = 1 << 20;

function feedString(s: string): void {
  let h = strings.get(s);
  if (h === undefined) {
    const saveA = laneA;
    const saveB = laneB;
    laneA = SEED_A;
    laneB = SEED_B;
    feed(T_STR);
    feed(s.length);
    for (let i = 0; i < s.length; i++) feed(s.charCodeAt(i));
    h = { a: avalanche(laneA), b: avalanche(laneB ^ 0x5bd1e995) };
    laneA = saveA;
    laneB = saveB;
    if (strings.size >= MAX_STRINGS) strings.clear();
    strings.set(s, h);
  }
  feed(h.a);
  feed(h.b);
}

function feedNumber(x: number): void {
  feed(T_NUM);
  if (Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff) feed(x | 0);
  else feedString(String(x));
}

function feedValue(x: unknown): void {
  switch (typeof x) {
    case 'undefined':
      feed(T_UNDEF);
      return;
    case 'boolean':
      feed(x ? T_TRUE : T_FALSE);
      return;
    case 'number':
      feedNumber(x);
      return;
    case 'string':
      feedString(x);
      return;
    case 'bigint':
      feed(T_BIG);
      feedString(x.toString(16));
      return;
    case 'object':
      if (x === null) {
        feed(T_NULL);
        return;
      }
      feedObject(x);
      return;
    default:
      // Functions and symbols are not state; a state holding one hashes it by kind only.
      feedString(typeof x);
  }
}

/** Hash an object on fresh lanes, then feed the result to the caller's lanes. */
function feedObject(o: object): void {
  const saveA = laneA;
  const saveB = laneB;
  laneA = SEED_A;
  laneB = SEED_B;
  hashObjectBody(o);
  const a = avalanche(laneA);
  const b = avalanche(laneB ^ 0x5bd1e995);
  laneA = saveA;
  laneB = saveB;
  feed(a);
  feed(b);
}

function hashObjectBody(o: object): void {
  if (Array.isArray(o)) {
    feed(T_ARR);
    feed(o.length);
    for (let i = 0; i < o.length; i++) feedValue(o[i]);
    return;
  }
  if (o instanceof Map || o instanceof Set) {
    // Unordered: the sum of each entry's hash, computed on fresh lanes.
    const isMap = o instanceof Map;
    feed(isMap ? T_MAP : T_SET);
    feed(o.size);
    let sumA = 0;
    let sumB = 0;
    for (const entry of (o as Map<unknown, unknown> | Set<unknown>).entries()) {
      laneA = SEED_A;
      laneB = SEED_B;
      feedValue(entry[0]);
      if (isMap) feedValue(entry[1]);
      sumA = (sumA + avalanche(laneA)) | 0;
      sumB = (sumB + avalanche(laneB)) | 0;
    }
    laneA = SEED_A;
    laneB = SEED_B;
    feed(sumA);
    feed(sumB);
    return;
  }
  if (typeof (o as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    // Another collection (a class whose instances iterate, e.g. core/persistent.ts's
    // PersistentMap): what it holds, in its iteration order, not how it is laid out inside
    // (its fields may be shared with other versions, or filled in later).
    feed(T_ITER);
    let count = 0;
    for (const x of o as Iterable<unknown>) {
      feedValue(x);
      count++;
    }
    feed(count);
    return;
  }
  // A plain object: its (key, value) pairs as an unordered collection too, so key order
  // (which spreads and literals may differ in) does not matter, and no sort is needed.
  const rec = o as Record<string, unknown>;
  let sumA = 0;
  let sumB = 0;
  let count = 0;
  for (const k in rec) {
    const v = rec[k];
    if (v === undefined) continue;
    laneA = SEED_A;
    laneB = SEED_B;
    feedString(k);
    feedValue(v);
    sumA = (sumA + avalanche(laneA)) | 0;
    sumB = (sumB + avalanche(laneB)) | 0;
    count++;
  }
  laneA = SEED_A;
  laneB = SEED_B;
  feed(T_OBJ);
  feed(count);
  feed(sumA);
  feed(sumB);
}

/** A value's 64-bit fingerprint as two 32-bit halves. */
export interface Fp {
  a: number;
  b: number;
}

/** The fingerprint of any plain value (objects cached by identity). */
export function fingerprintOf(x: unknown, out: Fp): Fp {
  laneA = SEED_A;
  laneB = SEED_B;
  feedValue(x);
  out.a = avalanche(laneA);
  out.b = avalanche(laneB ^ 0x5bd1e995);
  return out;
}

/**
 * A builder for one composite fingerprint (a world): feed numbers and values in a fixed order,
 * and unordered collections as sums of their members' fingerprints.
 */
export class FingerprintBuilder {
  private a = SEED_A;
  private b = SEED_B;
  private readonly tmp: Fp = { a: 0, b: 0 };

  reset(): this {
    this.a = SEED_A;
    this.b = SEED_B;
    return this;
  }

  int(x: number): this {
    laneA = this.a;
    laneB = this.b;
    feed(x | 0);
    this.a = laneA;
    this.b = laneB;
    return this;
  }

  value(x: unknown): this {
    fingerprintOf(x, this.tmp);
    return this.int(this.tmp.a).int(this.tmp.b);
  }

  done(out: Fp): Fp {
    out.a = avalanche(this.a);
    out.b = avalanche(this.b ^ 0x5bd1e995);
    return out;
  }
}

/** Mix a few 32-bit words into one well-spread 32-bit member hash for a commutative sum (lane a or b). */
export function memberHash(seed: number, x: number, y: number, z: number, w: number): number {
  laneA = seed;
  laneB = SEED_B;
  feed(x);
  feed(y);
  feed(z);
  feed(w);
  return avalanche(laneA ^ laneB);
}

/**
 * The hash of one (key, value) field of an object on its own, as two 30-bit words: a plain
 * object's hash can then be kept as the count and sums (mod 2^30) of its fields' hashes and
 * updated by the fields a step replaced (exhaustive.ts does so for node states).
 */
export function fieldHash(key: string, value: unknown, out: Fp): Fp {
  laneA = SEED_A;
  laneB = SEED_B;
  feedString(key);
  feedValue(value);
  out.a = avalanche(laneA) & 0x3fffffff;
  out.b = avalanche(laneB) & 0x3fffffff;
  return out;
}

/** A plain object (not an array, Map or Set, not null): its fields can be hashed one by one. */
export function isPlainRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Map) && !(x instanceof Set);
}
