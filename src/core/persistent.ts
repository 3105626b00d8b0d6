/**
 * A persistent (immutable, structurally shared) insertion-ordered map, for reducer states that
 * grow by one entry per step: a PoW node's block tree copied whole on every received block was
 * most of that protocol's cost (issue 12, item 5).
 *
 * `set` returns a new version and leaves the old one untouched. Versions that descend from one
 * another by insertions share one *line*: a list of entries in insertion order and a native Map
 * from key to entry, each entry stamped with its position. A version is the line and its size:
 * it holds the line's first `size` entries, so a key is in it when the line has it at a
 * position below `size`. Appending to the newest version of a line appends to the line in place
 * (the older versions do not see it); a write to any other version (a branch: a second child
 * of one state, as the exhaustive search makes; or an overwrite) starts a new line from a copy
 * of that version's entries (the entry objects themselves are shared). Fat-node persistence
 * (Driscoll, Sarnak, Sleator and Tarjan, "Making data structures persistent", 1989) with a copy
 * on branching: a run's node changes its tree along one line, so a lookup is one native Map
 * lookup (the key's hash is the engine's, cached in the string) and an append allocates one
 * entry and one version. (The previous hash array mapped trie, with a vector trie for the
 * order, hashed the key in JavaScript and walked two tries: about 14% of a PoW scenario.)
 *
 * Lookups, iteration and `size` behave as a Map's (iteration in first-insertion order;
 * overwriting a key keeps its position), so a PersistentMap can stand wherever a ReadonlyMap is
 * read. There is no delete: the states it serves only grow.
 *
 * Serialised with JSON.stringify it is the list of [key, value] pairs in insertion order, which
 * is what traces print for a Map (trace/explain.ts, core/define.ts canonicalJson): replacing a
 * Map by a PersistentMap leaves every printed state and fingerprint as it was.
 *
 * Written here (about 150 lines) rather than depending on a library: the few persistent-map
 * packages in the offline registry lists either keep no insertion order (a HAMT alone) or
 * bring a whole collection framework (immutable.js), and the harness wants both this small
 * and ordered.
 */

/** One entry, at `index` in its line's insertion order. Never mutated. */
class Leaf<K, V> {
  constructor(
    readonly key: K,
    readonly value: V,
    readonly index: number,
  ) {}
}

/**
 * The entries of a line of versions, in insertion order, and by key. Only ever appended to,
 * by the newest version of the line (the one whose size is the line's length).
 */
class Line<K, V> {
  readonly leaves: Leaf<K, V>[] = [];
  readonly byKey = new Map<K, Leaf<K, V>>();

  /** A new line holding the first `size` entries of this one (the same entry objects). */
  prefix(size: number): Line<K, V> {
    const copy = new Line<K, V>();
    for (let i = 0; i < size; i++) {
      const leaf = this.leaves[i]!;
      copy.leaves.push(leaf);
      copy.byKey.set(leaf.key, leaf);
    }
    return copy;
  }

  append(leaf: Leaf<K, V>): void {
    this.leaves.push(leaf);
    this.byKey.set(leaf.key, leaf);
  }
}

export class PersistentMap<K extends string | number, V> implements ReadonlyMap<K, V> {
  /**
   * The line this version is on. An ES private field, so not enumerated: what enumerates a
   * version (for...in, as the exhaustive search's fingerprints walk a state) sees only `prev`,
   * `last`, `size` and `rewrites`, the chain of this version's own entries, never the entries
   * a later version of the line appended. Two maps with the same entries in the same order
   * (and no overwrite in one only) then look the same to such a walk.
   */
  readonly #line: Line<K, V>;

  private constructor(
    line: Line<K, V>,
    /**
     * The version this one appended `last` to (null: the empty map): the chain that a
     * structural walk of a version sees (read by nothing here; see #line).
     */
    readonly prev: PersistentMap<K, V> | null,
    readonly last: { readonly key: K; readonly value: V; readonly index: number } | null,
    readonly size: number,
    /**
     * Changes whenever a write replaces an existing key's value (null before any): with it,
     * `appendedSince` can tell "only insertions since that version" from "also overwrites".
     */
    private readonly rewrites: object | null,
  ) {
    this.#line = line;
  }

  static empty<K extends string | number, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>(new Line<K, V>(), null, null, 0, null);
  }

  static of<K extends string | number, V>(entries: Iterable<readonly [K, V]>): PersistentMap<K, V> {
    let m = PersistentMap.empty<K, V>();
    for (const [k, v] of entries) m = m.set(k, v);
    return m;
  }

  /** The entry of `key` in this version, if any (the line may hold it beyond this version's size). */
  private leaf(key: K): Leaf<K, V> | undefined {
    const l = this.#line.byKey.get(key);
    return l !== undefined && l.index < this.size ? l : undefined;
  }

  get(key: K): V | undefined {
    return this.leaf(key)?.value;
  }

  has(key: K): boolean {
    return this.leaf(key) !== undefined;
  }

  /** A new version with `key` set to `value` (a new key goes last; an existing one keeps its place). */
  set(key: K, value: V): PersistentMap<K, V> {
    const old = this.leaf(key);
    const line = this.#line;
    if (old === undefined) {
      // A new key: appended in place when this is the newest version of its line, else on a copy.
      const target = line.leaves.length === this.size ? line : line.prefix(this.size);
      const leaf = new Leaf(key, value, this.size);
      target.append(leaf);
      return new PersistentMap<K, V>(target, this, leaf, this.size + 1, this.rewrites);
    }
    if (old.value === value) return this;
    // The key is there: a new line with its entry replaced (same position in the insertion
    // order), and a new chain of versions over it (rare: the maps here only grow).
    const copy = line.prefix(this.size);
    const replacement = new Leaf(key, value, old.index);
    copy.leaves[old.index] = replacement;
    copy.byKey.set(key, replacement);
    const rewrites = {};
    let m = new PersistentMap<K, V>(copy, null, null, 0, rewrites);
    for (const leaf of copy.leaves) m = new PersistentMap(copy, m, leaf, m.size + 1, rewrites);
    return m;
  }

  /** Every leaf in insertion order (plain loops: iterators cost more on the hot paths). */
  private eachLeaf(fn: (leaf: Leaf<K, V>) => void): void {
    const leaves = this.#line.leaves;
    for (let i = 0; i < this.size; i++) fn(leaves[i]!);
  }

  private iterate<T>(pick: (leaf: Leaf<K, V>) => T): MapIterator<T> {
    const out: T[] = [];
    this.eachLeaf((l) => out.push(pick(l)));
    return out.values();
  }

  /** The entry at position `index` in insertion order. */
  at(index: number): readonly [K, V] | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) return undefined;
    const l = this.#line.leaves[index]!;
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
    const leaves = this.#line.leaves;
    if (older.size > 0 && leaves[older.size - 1] !== older.#line.leaves[older.size - 1]) return undefined;
    const out: V[] = [];
    for (let i = older.size; i < this.size; i++) out.push(leaves[i]!.value);
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
