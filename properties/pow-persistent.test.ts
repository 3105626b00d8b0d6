/**
 * src/core/persistent.ts, the persistent insertion-ordered map the PoW block tree is kept in:
 * checked against a JS Map as the model, every old version checked unchanged after later writes,
 * with keys that collide on the full 32-bit hash and sizes across several vector-trie levels.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersistentMap, hashKey } from '../src/core/persistent.ts';

/** Long keys differing only in the middle share the hashed ends: a 32-bit collision each. */
const COLLIDING = ['x', 'y', 'z'].map((c) => `${'a'.repeat(16)}${c}${'b'.repeat(16)}`);

/** Two short keys with the same FNV-1a hash, found by a birthday search. */
function shortCollision(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const k = `k${i}`;
    const h = hashKey(k);
    const other = seen.get(h);
    if (other !== undefined) return [other, k];
    seen.set(h, k);
  }
}

type Op = { readonly key: string; readonly value: number; readonly from: number };

function check(versions: readonly PersistentMap<string, number>[], models: readonly Map<string, number>[]): void {
  versions.forEach((v, i) => {
    const m = models[i]!;
    expect(v.size).toBe(m.size);
    expect([...v.entries()]).toEqual([...m.entries()]);
    expect([...v.keys()]).toEqual([...m.keys()]);
    expect([...v.values()]).toEqual([...m.values()]);
    expect(JSON.stringify(v)).toBe(JSON.stringify([...m.entries()]));
    for (const k of m.keys()) {
      expect(v.get(k)).toBe(m.get(k));
      expect(v.has(k)).toBe(true);
    }
    expect(v.has('absent')).toBe(false);
    expect(v.get('absent')).toBeUndefined();
    const at = [...m.entries()].map((_e, j) => v.at(j));
    expect(at).toEqual([...m.entries()]);
    expect(v.at(m.size)).toBeUndefined();
  });
}

describe('PersistentMap', () => {
  const [c1, c2] = shortCollision();
  expect(hashKey(c1)).toBe(hashKey(c2));
  expect(hashKey(COLLIDING[0]!)).toBe(hashKey(COLLIDING[1]!));
  const keyArb = fc.oneof(
    fc.constantFrom(c1, c2, ...COLLIDING),
    fc.nat({ max: 3000 }).map((i) => `key${i}`),
    fc.string({ maxLength: 40 }),
  );

  it('behaves as a Map at every version, and old versions never change (branching histories, colliding keys)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: keyArb, value: fc.integer(), from: fc.nat() }), { maxLength: 300 }), (ops: Op[]) => {
        const versions = [PersistentMap.empty<string, number>()];
        const models = [new Map<string, number>()];
        for (const op of ops) {
          // Write on any earlier version: histories branch, as a harness's worlds do.
          const base = op.from % versions.length;
          versions.push(versions[base]!.set(op.key, op.value));
          models.push(new Map(models[base]!).set(op.key, op.value));
        }
        check(versions, models);
      }),
      { numRuns: 60 },
    );
  });

  it('grows through several trie levels (sizes around 32, 1,024 and 32,768 + 32) in insertion order', () => {
    let m = PersistentMap.empty<number, number>();
    const snapshots = new Map<number, PersistentMap<number, number>>();
    const marks = [31, 32, 33, 64, 1023, 1024, 1025, 1056, 1057, 32 * 1024 + 31, 32 * 1024 + 32, 32 * 1024 + 33];
    for (let i = 0; i < 32 * 1024 + 40; i++) {
      m = m.set(i * 7919, i);
      if (marks.includes(m.size)) snapshots.set(m.size, m);
    }
    expect(snapshots.size).toBe(marks.length);
    // Plain loops: vitest's deep equality on 30,000-element arrays costs seconds.
    const inOrder = (xs: Iterable<readonly [number, number]>, from = 0) => {
      let i = from;
      for (const [k, v] of xs) if (k !== i * 7919 || v !== i++) return -1;
      return i;
    };
    expect(inOrder(m)).toBe(m.size);
    for (const [size, s] of snapshots) {
      expect(s.size).toBe(size);
      expect(inOrder(s.entries())).toBe(size);
      expect(s.get((size - 1) * 7919)).toBe(size - 1);
      expect(s.has(size * 7919)).toBe(false);
      const appended = m.appendedSince(s)!;
      expect(inOrder(appended.map((v) => [v * 7919, v] as const), size)).toBe(m.size);
    }
  });

  it('appendedSince lists the insertions since an ancestor, and refuses a sibling, a descendant or an overwrite', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 80 }), fc.nat(), fc.nat({ max: 50 }), (keys, cut, extra) => {
        const versions = [PersistentMap.empty<string, number>()];
        for (const [i, k] of keys.entries()) versions.push(versions[versions.length - 1]!.set(`k${k}`, i));
        const base = versions[cut % versions.length]!;
        const last = versions[versions.length - 1]!;
        const fresh = [...last.entries()].slice(base.size).map(([, v]) => v);
        const overwrote = versions.slice(versions.indexOf(base) + 1).some((v) => v.size === versions[versions.indexOf(v) - 1]!.size && v !== versions[versions.indexOf(v) - 1]);
        expect(last.appendedSince(base)).toEqual(overwrote ? undefined : fresh);
        if (last.size > base.size) expect(base.appendedSince(last)).toBeUndefined();
        const sibling = base.set(`other${extra}`, -1);
        if (sibling !== base && last !== base) expect(last.appendedSince(sibling)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('an overwrite keeps the position, and setting the same value returns the same version', () => {
    const a = PersistentMap.of<string, number>([['x', 1], ['y', 2], ['z', 3]]);
    const b = a.set('y', 20);
    expect([...b]).toEqual([['x', 1], ['y', 20], ['z', 3]]);
    expect([...a]).toEqual([['x', 1], ['y', 2], ['z', 3]]);
    expect(b.set('y', 20)).toBe(b);
    expect(b.appendedSince(a)).toBeUndefined();
    expect(b.set('w', 4).appendedSince(b)).toEqual([4]);
  });
});
