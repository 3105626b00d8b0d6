/**
 * src/core/persistent.ts, the persistent insertion-ordered map the PoW block tree is kept in:
 * checked against a JS Map as the model, every old version checked unchanged after later writes
 * (writes on old versions branch the history, as the exhaustive search's worlds do: the map
 * then starts a new line), keys a version's line gained after it (which it must not see), and
 * sizes in the tens of thousands.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersistentMap } from '../src/core/persistent.ts';

type Op = { readonly key: string; readonly value: number; readonly from: number };

function check(versions: readonly PersistentMap<string, number>[], models: readonly Map<string, number>[]): void {
  // Every key any version holds: a version must not see one that only a later version of its line has.
  const everyKey = new Set(models.flatMap((m) => [...m.keys()]));
  versions.forEach((v, i) => {
    const m = models[i]!;
    for (const k of everyKey) {
      expect(v.has(k)).toBe(m.has(k));
      expect(v.get(k)).toBe(m.get(k));
    }
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
  // Few distinct keys among many: a key is often set again, on a version that has it or on one
  // whose line holds it only further on.
  const keyArb = fc.oneof(
    fc.constantFrom('a', 'b', 'c', '', '__proto__'),
    fc.nat({ max: 3000 }).map((i) => `key${i}`),
    fc.string({ maxLength: 40 }),
  );

  it('behaves as a Map at every version, and old versions never change (branching histories, overwrites)', () => {
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

  it('grows to 32,808 entries in insertion order, each snapshot on the way keeping its size', () => {
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
