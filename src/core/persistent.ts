/**
 * A persistent (immutable, structurally shared) insertion-ordered map, for reducer states that
 * grow by one entry per step: a PoW node's block tree copied whole on every received block was
 * most of that protocol's cost (issue 12, item 5).
 *
 * `set` returns a new version and leaves the old one untouched; the two share every node the
 * write did not pass through, as a Merkle-Patricia trie's versions do in Ethereum's state:
 *  - the index is a hash array mapped trie (Bagwell, "Ideal Hash Trees", 2001): 32-way branches
 *    addressed by 5 bits of the key's hash at a time, a bitmap saying which children exist,
 *    so a write copies one short array per level (about log32 n of them);
 *  - the insertion order is a 32-way vector trie with a tail (the layout of Clojure's
 *    PersistentVector): entry i sits at path i in base 32, so an append copies the tail (at most
 *    32 slots) and, once per 32 appends, one path.
 * Both hold the same `Leaf` objects. Lookups, iteration and `size` behave as a Map's (iteration
 * in first-insertion order; overwriting a key keeps its position), so a PersistentMap can stand
 * wherever a ReadonlyMap is read. There is no delete: the states it serves only grow.
 *
 * Serialised with JSON.stringify it is the list of [key, value] pairs in insertion order, which
 * is what traces print for a Map (trace/explain.ts, core/define.ts canonicalJson): replacing a
 * Map by a PersistentMap leaves every printed state and fingerprint as it was.
 *
 * Written here (about 250 lines) rather than depending on a library: the few persistent-map
 * packages in the offline registry lists either keep no insertion order (a HAMT alone) or
 * bring a whole collection framework (immutable.js), and the harness wants both this small
 * and ordered.
 */

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
/** The last level of a 32-bit hash: shifts 0, 5, ..., 30 cover every bit. */
const MAX_SHIFT = 30;

/** One entry: in the hash trie by key, in the vector at `index`. Never mutated. */
class Leaf<K, V> {
  constructor(
    readonly key: K,
    readonly value: V,
    readonly hash: number,
    readonly index: number,
  ) {}
}

/** Keys whose 32-bit hashes are equal: a plain list (rare: it takes a 32-bit collision). */
class Collision<K, V> {
  constructor(
    readonly hash: number,
    readonly leaves: readonly Leaf<K, V>[],
  ) {}
}

/** A trie node: `bitmap` bit b set when the child for hash digit b exists; children packed. */
class Branch<K, V> {
  constructor(
    readonly bitmap: number,
    readonly children: readonly Slot<K, V>[],
  ) {}
}

type Slot<K, V> = Leaf<K, V> | Collision<K, V> | Branch<K, V>;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * FNV-1a over the key's characters. Long strings are hashed on their first and last 16
 * characters and their length: keys here are mostly hex digests, whose every character is
 * random, and a collision costs only a longer probe, never a wrong answer.
 */
export function hashKey(key: string | number): number {
  // A state's reducer looks the same few keys up several times in a row (a block, its parent).
  if (key === recentKeys[0]) return recentHashes[0]!;
  if (key === recentKeys[1]) return recentHashes[1]!;
  const h = computeHash(key);
  recentKeys[1] = recentKeys[0];
  recentHashes[1] = recentHashes[0]!;
  recentKeys[0] = key;
  recentHashes[0] = h;
  return h;
}

const recentKeys: (string | number | undefined)[] = [undefined, undefined];
const recentHashes = new Uint32Array(2);

function computeHash(key: string | number): number {
  if (typeof key === 'number') {
    if (Number.isInteger(key) && key >= -0x80000000 && key <= 0x7fffffff) return Math.imul(key ^ (key >>> 16), 0x45d9f3b) >>> 0;
    return computeHash(String(key));
  }
  let h = 0x811c9dc5;
  const n = key.length;
  if (n <= 32) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < 16; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    for (let i = n - 16; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ n, 0x01000193);
  }
  return h >>> 0;
}

function lookup<K, V>(node: Branch<K, V>, key: K, hash: number): Leaf<K, V> | undefined {
  for (let shift = 0; ; shift += BITS) {
    const bit = 1 << ((hash >>> shift) & MASK);
    if ((node.bitmap & bit) === 0) return undefined;
    const child: Slot<K, V> = node.children[popcount(node.bitmap & (bit - 1))]!;
    if (child instanceof Branch) {
      node = child;
      continue;
    }
    if (child instanceof Leaf) return child.key === key ? child : undefined;
    for (const l of child.leaves) if (l.key === key) return l;
    return undefined;
  }
}

function replaceAt<T>(xs: readonly T[], i: number, x: T): T[] {
  const out = xs.slice();
  out[i] = x;
  return out;
}

function insertAt<T>(xs: readonly T[], i: number, x: T): T[] {
  const out = new Array<T>(xs.length + 1);
  for (let j = 0; j < i; j++) out[j] = xs[j]!;
  out[i] = x;
  for (let j = i; j < xs.length; j++) out[j + 1] = xs[j]!;
  return out;
}

/** Two leaves (or a leaf and a collision) that share the hash digits above `shift`. */
function split<K, V>(a: Leaf<K, V> | Collision<K, V>, b: Leaf<K, V>, shift: number): Slot<K, V> {
  if (a.hash === b.hash) {
    return new Collision(b.hash, a instanceof Collision ? [...a.leaves, b] : [a, b]);
  }
  // Distinct hashes differ in some digit at or below MAX_SHIFT: the recursion stops there.
  const da = (a.hash >>> shift) & MASK;
  const db = (b.hash >>> shift) & MASK;
  if (da === db) return new Branch(1 << da, [split(a, b, shift + BITS)]);
  return new Branch((1 << da) | (1 << db), da < db ? [a, b] : [b, a]);
}

/** The branch with `leaf` in place of `old` (the leaf of the same key). The path is copied; everything else is shared. */
function replaceLeaf<K, V>(node: Branch<K, V>, leaf: Leaf<K, V>, shift: number, old: Leaf<K, V>): Branch<K, V> {
  const bit = 1 << ((leaf.hash >>> shift) & MASK);
  const i = popcount(node.bitmap & (bit - 1));
  const child = node.children[i];
  let next: Slot<K, V>;
  if (child instanceof Branch) next = replaceLeaf(child, leaf, shift + BITS, old);
  else if (child === old) next = leaf;
  else if (child instanceof Collision && child.leaves.includes(old)) next = new Collision(child.hash, child.leaves.map((l) => (l === old ? leaf : l)));
  else throw new Error('persistent map: the leaf to replace is not in the trie');
  return new Branch(node.bitmap, replaceAt(node.children, i, next));
}

/**
 * The branch with `leaf` added, in one walk down, when its key is not in the trie yet; FOUND
 * when it is (the caller then replaces the old leaf with `replaceLeaf`).
 */
function insertNew<K, V>(node: Branch<K, V>, leaf: Leaf<K, V>, shift: number): Branch<K, V> | typeof FOUND {
  const bit = 1 << ((leaf.hash >>> shift) & MASK);
  const i = popcount(node.bitmap & (bit - 1));
  if ((node.bitmap & bit) === 0) return new Branch(node.bitmap | bit, insertAt(node.children, i, leaf));
  const child = node.children[i]!;
  let next: Slot<K, V>;
  if (child instanceof Branch) {
    const below = insertNew(child, leaf, shift + BITS);
    if (below === FOUND) return FOUND;
    next = below;
  } else if (child instanceof Leaf ? child.key === leaf.key : child.leaves.some((l) => l.key === leaf.key)) return FOUND;
  else {
    if (shift >= MAX_SHIFT && child.hash !== leaf.hash) throw new Error('persistent map: hash digits exhausted on distinct hashes');
    next = split(child, leaf, shift + BITS);
  }
  return new Branch(node.bitmap, replaceAt(node.children, i, next));
}

const FOUND = Symbol('found');

/** Vector trie node: WIDTH children (inner levels) or WIDTH leaves (bottom level). */
type VecNode<K, V> = readonly (VecNode<K, V> | Leaf<K, V>)[];

function vecPath<K, V>(shift: number, tail: VecNode<K, V>): VecNode<K, V> {
  return shift === 0 ? tail : [vecPath(shift - BITS, tail)];
}

/** `node` (at height `shift` >= BITS) with the full block `tail` appended as the entries from `index`. */
function vecPushTail<K, V>(node: VecNode<K, V>, shift: number, index: number, tail: VecNode<K, V>): VecNode<K, V> {
  const i = (index >>> shift) & MASK;
  if (i >= node.length) return [...node, vecPath(shift - BITS, tail)];
  return replaceAt(node, i, vecPushTail(node[i] as VecNode<K, V>, shift - BITS, index, tail));
}

/** `root` with the leaf at `index` replaced (index below the tail's start). */
function vecSet<K, V>(root: VecNode<K, V>, shift: number, index: number, leaf: Leaf<K, V>): VecNode<K, V> {
  const i = (index >>> shift) & MASK;
  if (shift === 0) return replaceAt(root, i, leaf);
  return replaceAt(root, i, vecSet(root[i] as VecNode<K, V>, shift - BITS, index, leaf));
}

const EMPTY_BRANCH = new Branch<never, never>(0, []);

export class PersistentMap<K extends string | number, V> implements ReadonlyMap<K, V> {
  private constructor(
    private readonly trie: Branch<K, V>,
    /** Entries before the tail, as a vector trie of height `shift` (0: a single level). */
    private readonly root: VecNode<K, V>,
    private readonly shift: number,
    /** The last 1..32 entries (fewer than 32 only at the end). */
    private readonly tail: readonly Leaf<K, V>[],
    readonly size: number,
    /**
     * Changes whenever a write replaces an existing key's value (null before any): with it,
     * `appendedSince` can tell "only insertions since that version" from "also overwrites".
     */
    private readonly rewrites: object | null,
  ) {}

  static empty<K extends string | number, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>(EMPTY_BRANCH as Branch<K, V>, [], 0, [], 0, null);
  }

  static of<K extends string | number, V>(entries: Iterable<readonly [K, V]>): PersistentMap<K, V> {
    let m = PersistentMap.empty<K, V>();
    for (const [k, v] of entries) m = m.set(k, v);
    return m;
  }

  get(key: K): V | undefined {
    return lookup(this.trie, key, hashKey(key))?.value;
  }

  has(key: K): boolean {
    return lookup(this.trie, key, hashKey(key)) !== undefined;
  }

  /** A new version with `key` set to `value` (a new key goes last; an existing one keeps its place). */
  set(key: K, value: V): PersistentMap<K, V> {
    const hash = hashKey(key);
    // A new key (the usual case here: the maps only grow) is added in one walk down the trie.
    const leaf = new Leaf(key, value, hash, this.size);
    const trie = insertNew(this.trie, leaf, 0);
    if (trie !== FOUND) return this.append(trie, leaf);
    // The key is there: its leaf is replaced in place (same position in the insertion order).
    const old = lookup(this.trie, key, hash)!;
    if (old.value === value) return this;
    const replacement = new Leaf(key, value, hash, old.index);
    const tailStart = this.size - this.tail.length;
    const { root, tail } = old.index >= tailStart
      ? { root: this.root, tail: replaceAt(this.tail, old.index - tailStart, replacement) }
      : { root: vecSet(this.root, this.shift, old.index, replacement), tail: this.tail };
    return new PersistentMap(replaceLeaf(this.trie, replacement, 0, old), root, this.shift, tail, this.size, {});
  }

  /** This map with `leaf` (whose index is this.size) appended; `trie` already holds it. */
  private append(trie: Branch<K, V>, leaf: Leaf<K, V>): PersistentMap<K, V> {
    if (this.tail.length < WIDTH) {
      return new PersistentMap(trie, this.root, this.shift, [...this.tail, leaf], this.size + 1, this.rewrites);
    }
    // The tail is full: it moves into the trie (growing a level when the trie is full too).
    const tailStart = this.size - WIDTH;
    let root: VecNode<K, V>;
    let shift = this.shift;
    if (tailStart === 0) root = this.tail;
    else if (tailStart >= 2 ** (shift + BITS)) {
      root = [this.root, vecPath(shift, this.tail)];
      shift += BITS;
    } else root = vecPushTail(this.root, shift, tailStart, this.tail);
    return new PersistentMap(trie, root, shift, [leaf], this.size + 1, this.rewrites);
  }

  private leafAt(index: number): Leaf<K, V> {
    const tailStart = this.size - this.tail.length;
    if (index >= tailStart) return this.tail[index - tailStart]!;
    let node: VecNode<K, V> = this.root;
    for (let shift = this.shift; shift > 0; shift -= BITS) node = node[(index >>> shift) & MASK] as VecNode<K, V>;
    return node[index & MASK] as Leaf<K, V>;
  }

  /** Every leaf in insertion order (plain loops: iterators cost more on the hot paths). */
  private eachLeaf(fn: (leaf: Leaf<K, V>) => void): void {
    const tailStart = this.size - this.tail.length;
    for (let i = 0; i < tailStart; i += WIDTH) {
      // Walk down once per block of 32.
      let node: VecNode<K, V> = this.root;
      for (let shift = this.shift; shift > 0; shift -= BITS) node = node[(i >>> shift) & MASK] as VecNode<K, V>;
      for (let j = 0; j < WIDTH; j++) fn(node[j] as Leaf<K, V>);
    }
    for (const l of this.tail) fn(l);
  }

  private iterate<T>(pick: (leaf: Leaf<K, V>) => T): MapIterator<T> {
    const out: T[] = [];
    this.eachLeaf((l) => out.push(pick(l)));
    return out.values();
  }

  /** The entry at position `index` in insertion order. */
  at(index: number): readonly [K, V] | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) return undefined;
    const l = this.leafAt(index);
    return [l.key, l.value];
  }

  /**
   * The values appended since `older`, in insertion order, when this map is `older` plus
   * insertions only (no overwrite since); otherwise undefined. Cheap: it compares the entry at
   * `older`'s last position, which is an object created by the one write that made it (so a
   * map holding that object there descends from `older`'s line), and the overwrite marker.
   */
  appendedSince(older: PersistentMap<K, V>): V[] | undefined {
    if (older === this) return [];
    if (older.size > this.size || older.rewrites !== this.rewrites) return undefined;
    if (older.size > 0 && this.leafAt(older.size - 1) !== older.leafAt(older.size - 1)) return undefined;
    const out: V[] = [];
    for (let i = older.size; i < this.size; i++) out.push(this.leafAt(i).value);
    return out;
  }

  // Iterators run over a snapshot array: the map never changes, so this is only a matter of cost.
  entries(): MapIterator<[K, V]> {
    return this.iterate((l) => [l.key, l.value]);
  }

  keys(): MapIterator<K> {
    return this.iterate((l) => l.key);
  }

  values(): MapIterator<V> {
    return this.iterate((l) => l.value);
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    this.eachLeaf((l) => fn.call(thisArg, l.value, l.key, this));
  }

  get [Symbol.toStringTag](): string {
    return 'PersistentMap';
  }

  /** As a Map prints in traces: the [key, value] pairs in insertion order. */
  toJSON(): [K, V][] {
    const out: [K, V][] = [];
    this.eachLeaf((l) => out.push([l.key, l.value]));
    return out;
  }
}
