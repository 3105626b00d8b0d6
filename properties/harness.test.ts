/**
 * The harness itself: config validation, the simulator's purity and totality, tape
 * decoding, determinism, and fixture validation errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clusterConfig, validateConfig } from '../src/core/config.ts';
import { quorum } from '../src/core/quorum.ts';
import { UserError } from '../src/core/errors.ts';
import { initWorld, step, ActionError } from '../src/sim/step.ts';
import { runTape } from '../src/check/execute.ts';
import { KIND_ORDER, decodeChoice, enabledKinds, synchronousAction } from '../src/adversary/decode.ts';
import { scenarioArb } from '../src/adversary/arbitraries.ts';
import { createProtocol } from '../src/protocols/registry.ts';
import { tendermint } from '../src/protocols/tendermint/index.ts';
import { validateFixture } from '../src/trace/fixture.ts';
import { timeline } from '../src/trace/explain.ts';

describe('quorum', () => {
  it('is 2f+1 for n = 3f+1 and always intersects in a correct node', () => {
    for (let f = 0; f < 10; f++) expect(quorum(3 * f + 1, f)).toBe(2 * f + 1);
    for (let n = 2; n < 40; n++) {
      for (let f = 0; 3 * f + 1 <= n; f++) {
        const q = quorum(n, f);
        expect(2 * q - n).toBeGreaterThan(f); // two quorums share a correct node
        expect(q).toBeLessThanOrEqual(n - f); // the correct nodes alone form a quorum
      }
    }
  });
});

describe('config validation names the problem', () => {
  const ok = clusterConfig(4);
  it.each([
    [{ ...ok, n: 3, f: 1 }, /n=3 cannot tolerate f=1.*n >= 3f\+1 = 4/],
    [{ ...ok, n: 1, f: 0 }, /config\.n: a cluster needs at least 2 nodes/],
    [{ ...ok, n: 4.5 }, /config\.n: expected a non-negative integer, got 4\.5/],
    [{ ...ok, byzantine: [4] }, /config\.byzantine: node 4 does not exist/],
    [{ ...ok, byzantine: [0, 1] }, /2 Byzantine nodes exceed f=1/],
    [{ ...ok, faults: { ...ok.faults, drops: -1 } }, /config\.faults\.drops: expected a non-negative integer, got -1/],
    [{ ...ok, faults: { ...ok.faults, storms: 1 } }, /config\.faults\.storms: unknown fault kind/],
    [{ ...ok, faults: { ...ok.faults, injections: 2 } }, /injections need at least one Byzantine node/],
    [{ ...ok, heights: 0 }, /config\.heights: need at least 1/],
  ])('%j', (raw, message) => {
    expect(() => validateConfig(raw)).toThrow(UserError);
    expect(() => validateConfig(raw)).toThrow(message);
  });
  it('unknown protocol and mutant names list the known ones', () => {
    expect(() => createProtocol('paxos')).toThrow(/unknown protocol "paxos" \(known: tendermint/);
    expect(() => createProtocol('tendermint', 'typo')).toThrow(/no mutant "typo" \(known: lock-ignored/);
  });
});

describe('the simulator', () => {
  const protocol = tendermint();
  const cfg = clusterConfig(4, { byzantine: [3], faults: { drops: 2, duplicates: 2, crashes: 1, partitions: 1, injections: 3 } });

  it('step never changes the world it is given (deep-frozen input)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffff }), { maxLength: 40 }), (tape) => {
        let w = initWorld(protocol, cfg).world;
        for (const x of tape) {
          const a = decodeChoice(protocol, w, x);
          if (a === undefined) break;
          const before = JSON.stringify(w, replacer);
          // Frozen objects and arrays throw on mutation (ESM is strict mode); Maps and Sets
          // cannot be frozen, so the serialised world is compared as well.
          deepFreeze(w);
          const next = step(protocol, w, a).world;
          expect(JSON.stringify(w, replacer)).toBe(before);
          w = next;
        }
      }),
      { numRuns: 100, seed: 11 },
    );
  });

  it('an action that is not enabled is an error, never ignored', () => {
    const w = initWorld(protocol, cfg).world;
    expect(() => step(protocol, w, { kind: 'deliver', id: 9999 })).toThrow(ActionError);
    expect(() => step(protocol, w, { kind: 'heal' })).toThrow(/not partitioned/);
    expect(() => step(protocol, w, { kind: 'inject', from: 0, to: 1, msg: { type: 'prevote', height: 0, round: 0, id: null } })).toThrow(/not Byzantine/);
    expect(() => step(protocol, w, { kind: 'restart', node: 1 })).toThrow(/not crashed/);
    const noBudget = initWorld(protocol, clusterConfig(4)).world;
    expect(() => step(protocol, noBudget, { kind: 'drop', id: noBudget.inFlight[0]!.id })).toThrow(/drops budget exhausted/);
    const gst = step(protocol, w, { kind: 'gst' }).world;
    expect(() => step(protocol, gst, { kind: 'crash', node: 0 })).toThrow(/not enabled after GST/);
  });

  it('enabled kinds always come in the canonical KIND_ORDER (the tape decoding depends on it)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffff }), { maxLength: 60 }), (tape) => {
        let w = initWorld(protocol, cfg).world;
        for (const x of tape) {
          const kinds = enabledKinds(protocol, w);
          const positions = kinds.map((k) => KIND_ORDER.indexOf(k));
          expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
          const a = decodeChoice(protocol, w, x);
          if (a === undefined) break;
          w = step(protocol, w, a).world;
        }
      }),
      { numRuns: 100, seed: 13 },
    );
  });

  it('the all-zero tape is FIFO delivery: the same run as the synchronous network', () => {
    let w = initWorld(protocol, clusterConfig(4)).world;
    for (let i = 0; i < 30; i++) {
      const a = decodeChoice(protocol, w, 0);
      expect(a).toEqual(synchronousAction(w));
      w = step(protocol, w, a!).world;
    }
  });

  it('the same scenario gives the same trace, byte for byte', () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const a = runTape(tendermint(), sc.cfg, sc.tape);
        const b = runTape(tendermint(), sc.cfg, sc.tape);
        expect(JSON.stringify(b.actions)).toBe(JSON.stringify(a.actions));
        expect(timeline(tendermint(), sc.cfg, b.actions).fingerprint).toBe(timeline(tendermint(), sc.cfg, a.actions).fingerprint);
      }),
      { numRuns: 50, seed: 12 },
    );
  });
});

describe('fixture validation names the field', () => {
  const good = {
    format: 1, protocol: 'tendermint', mutant: null, story: 's', expect: { outcome: 'holds' },
    config: clusterConfig(4), actions: [{ kind: 'gst' }],
  };
  it('accepts a well-formed fixture', () => {
    expect(validateFixture(good).actions).toHaveLength(1);
  });
  it.each([
    [{ ...good, format: 2 }, /fixture\.format: expected 1, got 2/],
    [{ ...good, protocol: 'raft' }, /unknown protocol "raft"/],
    [{ ...good, expect: { outcome: 'maybe' } }, /fixture\.expect\.outcome: expected "holds" or "violates"/],
    [{ ...good, config: { ...good.config, n: 2, f: 1 } }, /fixture\.config: n=2 cannot tolerate f=1/],
    [{ ...good, actions: [{ kind: 'teleport' }] }, /fixture\.actions\[0\]\.kind: unknown action "teleport"/],
    [{ ...good, actions: [{ kind: 'deliver', id: -1 }] }, /fixture\.actions\[0\]\.id: expected a non-negative integer/],
    [{ ...good, actions: [{ kind: 'inject', from: 3, to: 0, msg: { type: 'prevote', height: 0, round: 'x', id: null } }] }, /fixture\.actions\[0\]\.msg\.round: expected a non-negative integer/],
    [{ ...good, story: '' }, /fixture\.story/],
  ])('%#', (raw, message) => {
    expect(() => validateFixture(raw)).toThrow(message);
  });
});

function replacer(_k: string, v: unknown) {
  return v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : v;
}

function deepFreeze(x: unknown, seen = new Set<unknown>()): void {
  if (typeof x !== 'object' || x === null || seen.has(x)) return;
  seen.add(x);
  Object.freeze(x);
  if (x instanceof Map) for (const [k, v] of x) { deepFreeze(k, seen); deepFreeze(v, seen); }
  else if (x instanceof Set) for (const v of x) deepFreeze(v, seen);
  else for (const v of Object.values(x)) deepFreeze(v, seen);
}
