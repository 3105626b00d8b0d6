import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { clusterConfig } from '../src/core/config.ts';
import type { ClusterConfig, Effect } from '../src/core/types.ts';
import { runTape } from '../src/check/execute.ts';
import { HOTSTUFF_MUTANT_LIST, type LibraMutant as HotStuffMutant, type HotStuffState, hotstuff } from '../src/protocols/hotstuff/index.ts';
import { byzantineMessages } from '../src/protocols/hotstuff/byzantine.ts';
import { type Block, GENESIS_ID, GENESIS_QC, type HotStuffMessage, type QC, makeBlock, validateMessage } from '../src/protocols/hotstuff/messages.ts';
import { CORRECT_FLAGS, HOTSTUFF_LIVENESS_MUTANTS, type HotStuffFlags, flagsFor } from '../src/protocols/hotstuff/mutants.ts';
import { initialState, onMessage } from '../src/protocols/hotstuff/reducer.ts';
import { safeNode, update } from '../src/protocols/hotstuff/rules.ts';
import { witnessesOf } from '../src/protocols/hotstuff/witnesses.ts';
import { TAPE, LONG_TAPE, SEED, cluster, N4, N4_DROPS, N4_BYZ, N4_BYZ_LEADER0, N4_TWINS, N7_BYZ } from './hotstuff-configs.ts';

/** Witness hits of the libra variant, summed over the survival properties (this file runs its tests in order). */
const reached = new Map<string, number>();

function holds(mutant: HotStuffMutant | undefined, cfg: ClusterConfig, arb: fc.Arbitrary<number[]>) {
  const p = hotstuff(mutant);
  return fc.property(arb, (t) => {
    const r = runTape(p, cfg, t);
    // The protocol declares its witnesses; the harness records which ones each run reached.
    if (mutant === undefined) for (const name of r.witnessed) reached.set(name, (reached.get(name) ?? 0) + 1);
    const v = r.violation;
    if (v !== undefined) throw new Error(`${v.invariant} at step ${v.step}: ${v.detail}`);
  });
}

/** Run the properties against a mutant; first failure only (shrinking is for the CLI, not for CI time). */
function kill(mutant: HotStuffMutant, cfg: ClusterConfig, arb: fc.Arbitrary<number[]>, numRuns: number) {
  const out = fc.check(holds(mutant, cfg, arb), { seed: SEED, numRuns, endOnFailure: true });
  const counterexample = out.counterexample?.[0];
  const violation = counterexample === undefined ? undefined : runTape(hotstuff(mutant), cfg, counterexample).violation;
  return { failed: out.failed, runs: out.numRuns, invariant: violation?.invariant };
}

describe('hotstuff: the correct protocol survives', () => {
  it('n=4, drops/duplicates/crash/partition, no Byzantine node', () => {
    fc.assert(holds(undefined, N4, TAPE), { seed: SEED, numRuns: 2000 });
  });

  it('n=4, f=1 Byzantine (equivocation, stale QCs, double votes, withholding) with every fault kind', () => {
    fc.assert(holds(undefined, N4_BYZ, TAPE), { seed: SEED, numRuns: 4000 });
  });

  it('n=4, Byzantine leader of view 0 mod 4, long schedules, 3 heights', () => {
    fc.assert(holds(undefined, N4_BYZ_LEADER0, LONG_TAPE), { seed: SEED, numRuns: 1000 });
  });

  it('n=4, long schedules with drops only (the ones that reach non-consecutive forks)', () => {
    fc.assert(holds(undefined, N4_DROPS, LONG_TAPE), { seed: SEED, numRuns: 2000 });
  });

  it('n=4, the Byzantine node runs as Twins (two honest instances that equivocate by partition)', () => {
    fc.assert(holds(undefined, N4_TWINS, TAPE), { seed: SEED, numRuns: 1500 });
  });

  it('n=7, f=2 Byzantine', () => {
    fc.assert(holds(undefined, N7_BYZ, TAPE), { seed: SEED, numRuns: 800 });
  });

  it('the synchronous run (empty tape) commits every height at every node', () => {
    for (const [n, heights] of [[4, 3], [7, 2], [10, 1]] as const) {
      const r = runTape(hotstuff(), cluster(n, heights, {}), []);
      expect(r.violation).toBeUndefined();
      for (const d of r.world.decisions) expect(d.slice(0, heights).every((v) => v !== undefined)).toBe(true);
    }
  });

  // Needs the survival properties above to have run (vitest runs a file's tests in order).
  it('every witness was reached by the properties above (safeNode\'s liveness clause)', () => {
    const counts = Object.fromEntries(witnessesOf('libra').map((w) => [w.name, reached.get(w.name) ?? 0]));
    console.log(`hotstuff (libra) witnesses: ${JSON.stringify(counts)}`);
    for (const [name, count] of Object.entries(counts)) expect(count, `witness ${name} never reached`).toBeGreaterThan(0);
  });
});

/*
 * Kill budgets with margin (issue 7): each budget is >= 5x the median and >= 2x the worst
 * runs-to-kill measured with this file's kill() (fast-check, same cfg and arbitrary) over 8
 * seeds: 42 (the test's), 1, 2, 3, 4, 5, 6, 7 (fc.check with endOnFailure, numRuns 60,000;
 * the median is the upper middle of the 8 sorted figures).
 *   commit-on-2-chain             347, 220, 77, 453, 414, 738, 284, 628    median 414, worst 738  -> 2,500
 *   safe-node-ignores-lock        106, 6, 127, 30, 7, 113, 10, 142        median 106, worst 142  -> 1,000
 *   commit-without-direct-parent  126, 67, 526, 155, 105, 31, 2060, 68    median 126, worst 2,060 -> 4,500
 *   lock-on-1-chain               1 on every seed                                                 -> 100
 *   lock-without-higher-guard     13, 5, 4, 14, 7, 17, 13, 10             median 13, worst 17    -> 200
 *   vheight-not-enforced          9, 6, 10, 17, 6, 4, 14, 10              median 10, worst 17    -> 500
 *   qc-before-block (exception)   2, 22, 14, 18, 6, 26, 8, 3              median 14, worst 26    -> 100
 * A passing kill test costs only the runs to the kill (42: 347, 106, 126, 1, 13, 9).
 */
describe('hotstuff: every mutant is killed', () => {
  const expected: Record<HotStuffMutant, { cfg: ClusterConfig; arb: fc.Arbitrary<number[]>; runs: number; invariant: string }> = {
    'commit-on-2-chain': { cfg: N4_DROPS, arb: TAPE, runs: 2500, invariant: 'commit-extends' },
    'safe-node-ignores-lock': { cfg: N4_BYZ, arb: TAPE, runs: 1000, invariant: 'vote-safe-node' },
    'commit-without-direct-parent': { cfg: N4_DROPS, arb: LONG_TAPE, runs: 4500, invariant: 'commit-extends' },
    'lock-on-1-chain': { cfg: N4, arb: TAPE, runs: 100, invariant: 'lock-two-chain' },
    'lock-without-higher-guard': { cfg: N4, arb: TAPE, runs: 200, invariant: 'locked-view-monotonic' },
    'vheight-not-enforced': { cfg: N4_BYZ, arb: TAPE, runs: 500, invariant: 'no-equivocation' },
    // The reducer throws (a missing ancestor): exceptions in protocol code are findings.
    'qc-before-block': { cfg: N4, arb: TAPE, runs: 100, invariant: 'exception' },
  };

  it('the list of mutants and the kill table agree (liveness mutants: properties/liveness.test.ts)', () => {
    const liveness = Object.keys(HOTSTUFF_LIVENESS_MUTANTS);
    expect(liveness.length).toBeGreaterThan(0);
    expect(HOTSTUFF_MUTANT_LIST.map((m) => m.name).filter((m) => !liveness.includes(m)).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [mutant, e] of Object.entries(expected) as [HotStuffMutant, (typeof expected)[HotStuffMutant]][]) {
    it(`${mutant} is reported by ${e.invariant} within ${e.runs} runs`, () => {
      const k = kill(mutant, e.cfg, e.arb, e.runs);
      expect(k.failed).toBe(true);
      expect(k.invariant).toBe(e.invariant);
    });
  }
});

/** JSON with Maps and Sets spelled out, so that two states compare by content. */
function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v instanceof Map ? { map: [...v.entries()] } : v instanceof Set ? { set: [...v.values()] } : v);
}

describe('hotstuff: determinism', () => {
  it('one tape gives one action list and one final world', () => {
    fc.assert(
      fc.property(TAPE, (t) => {
        const a = runTape(hotstuff(), N4_BYZ, t);
        const b = runTape(hotstuff(), N4_BYZ, t);
        expect(canonical(b.actions)).toBe(canonical(a.actions));
        expect(canonical(b.world.states)).toBe(canonical(a.world.states));
        expect(canonical(b.world)).toBe(canonical(a.world));
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it('Byzantine candidates are few, canonical and repeatable', () => {
    const r = runTape(hotstuff(), N4_BYZ_LEADER0, [5, 0, 17, 3, 0, 1, 0, 0, 2, 9, 0, 0, 4, 0, 1]);
    const ctx = { cfg: N4_BYZ_LEADER0, self: 0, states: r.world.states, seen: r.world.inFlight.map((e) => e.msg) };
    const once = byzantineMessages(ctx);
    expect(canonical(byzantineMessages(ctx))).toBe(canonical(once));
    expect(once.length).toBeGreaterThan(0);
    expect(once.length).toBeLessThanOrEqual(48);
  });
});

// ---------------------------------------------------------------------------------------------
// The rules on hand-built states. Blocks: b1 <- b2 <- b3 in views 1, 2, 3 (n = 4, leader v mod 4).

const CFG = clusterConfig(4);
const qc = (b: Block): QC => ({ block: b.id, view: b.view, signers: [0, 1, 2] });
const b1 = makeBlock(1, GENESIS_QC, 1, 'v1p1');
const b2 = makeBlock(2, qc(b1), 2, 'v2p2');
const b3 = makeBlock(3, qc(b2), 3, 'v3p3');
const b4 = makeBlock(4, qc(b3), 0, 'v4p0');
/** A fork from b1 certified in view 3: newer than a lock on b2. */
const fork3 = makeBlock(3, qc(b1), 3, 'fork');
/** b2's child in view 4: a gap after b2 (view 3 failed). */
const gap4 = makeBlock(4, qc(b2), 0, 'gap');

function node(blocks: readonly Block[], patch: Partial<HotStuffState> = {}, flags: HotStuffFlags = CORRECT_FLAGS): HotStuffState {
  const s = initialState(1, CFG, flags);
  const store = new Map(s.blocks);
  for (const b of blocks) store.set(b.id, { block: b, height: store.get(b.parent)!.height + 1 });
  return { ...s, view: 1, blocks: store, ...patch };
}

const decides = (fx: readonly Effect<HotStuffMessage>[]) =>
  fx.flatMap((e) => (e.kind === 'decide' ? [{ height: e.height, value: e.value }] : []));

describe('hotstuff rules: safeNode', () => {
  const locked = node([b1, b2, b3, fork3], { lockedBlock: b2.id, lockedView: 2 });

  it('votes for a block that extends the lock', () => {
    expect(safeNode(locked, b3)).toBe(true);
    expect(safeNode(locked, b4)).toBe(true);
  });

  it('refuses a conflicting block whose QC is not newer than the lock', () => {
    const conflicting = makeBlock(4, qc(b1), 0, 'stale');
    expect(safeNode(node([b1, b2, conflicting], { lockedBlock: b2.id, lockedView: 2 }), conflicting)).toBe(false);
  });

  it('accepts a conflicting block whose QC is newer than the lock (liveness rule)', () => {
    const onFork = makeBlock(4, qc(fork3), 0, 'on-fork');
    expect(safeNode(node([b1, b2, fork3, onFork], { lockedBlock: b2.id, lockedView: 2 }), onFork)).toBe(true);
  });

  it('the mutant safe-node-ignores-lock accepts the stale conflicting block', () => {
    const conflicting = makeBlock(4, qc(b1), 0, 'stale');
    const s = node([b1, b2, conflicting], { lockedBlock: b2.id, lockedView: 2 }, flagsFor('safe-node-ignores-lock'));
    expect(safeNode(s, conflicting)).toBe(true);
  });

  it('a correct node does not vote for a stale conflicting proposal, but keeps the block', () => {
    const conflicting = makeBlock(4, qc(b1), 0, 'stale');
    const s = node([b1, b2, b3], { view: 4, lockedBlock: b2.id, lockedView: 2, highQC: qc(b3) });
    const out = onMessage(s, 0, { type: 'proposal', block: conflicting, tc: null });
    expect(out.effects.some((e) => e.kind === 'broadcast' && e.msg.type === 'vote')).toBe(false);
    expect(out.state.blocks.has(conflicting.id)).toBe(true);
  });
});

describe('hotstuff rules: lock and 3-chain commit', () => {
  it('a QC for b3 (b1 <- b2 <- b3, consecutive views) locks b2 and commits b1', () => {
    const fx: Effect<HotStuffMessage>[] = [];
    const s = update(node([b1, b2, b3]), qc(b3), fx);
    expect(s.highQC.block).toBe(b3.id);
    expect([s.lockedBlock, s.lockedView]).toEqual([b2.id, 2]);
    expect(s.committed).toEqual([b1.id]);
    expect(decides(fx)).toEqual([{ height: 0, value: b1.id }]);
  });

  it('commits every uncommitted ancestor, oldest first, at its chain position', () => {
    const fx: Effect<HotStuffMessage>[] = [];
    const s = update(node([b1, b2, b3, b4]), qc(b4), fx);
    expect(s.committed).toEqual([b1.id, b2.id]);
    expect(decides(fx)).toEqual([{ height: 0, value: b1.id }, { height: 1, value: b2.id }]);
  });

  it('a 2-chain locks but does not commit', () => {
    const fx: Effect<HotStuffMessage>[] = [];
    const s = update(node([b1, b2]), qc(b2), fx);
    expect([s.lockedBlock, s.lockedView]).toEqual([b1.id, 1]);
    expect(s.committed).toEqual([]);
    expect(decides(fx)).toEqual([]);
  });

  it('a 3-chain with a view gap (b1 <- b2 <- gap4) locks but does not commit', () => {
    const fx: Effect<HotStuffMessage>[] = [];
    const s = update(node([b1, b2, gap4]), qc(gap4), fx);
    expect(s.lockedBlock).toBe(b2.id);
    expect(s.committed).toEqual([]);
    expect(decides(fx)).toEqual([]);
  });

  it('the mutants commit where the protocol does not', () => {
    const gap: Effect<HotStuffMessage>[] = [];
    expect(update(node([b1, b2, gap4], {}, flagsFor('commit-without-direct-parent')), qc(gap4), gap).committed).toEqual([b1.id]);
    const two: Effect<HotStuffMessage>[] = [];
    expect(update(node([b1, b2], {}, flagsFor('commit-on-2-chain')), qc(b2), two).committed).toEqual([b1.id]);
  });

  it('an older QC never moves the lock back (unless the guard is gone)', () => {
    const s = node([b1, b2, b3], { lockedBlock: b2.id, lockedView: 2, highQC: qc(b3) });
    const fx: Effect<HotStuffMessage>[] = [];
    expect(update(s, qc(b2), fx).lockedView).toBe(2);
    const m = { ...s, flags: flagsFor('lock-without-higher-guard') };
    expect(update(m, qc(b2), fx).lockedView).toBe(1);
    expect(update({ ...s, flags: flagsFor('lock-on-1-chain') }, qc(b3), fx).lockedBlock).toBe(b3.id);
  });

  it('a proposal carrying the QC of the third block commits the first, through the reducer', () => {
    const out = onMessage(node([b1, b2, b3], { view: 3, lastVotedView: 3 }), 0, { type: 'proposal', block: b4, tc: null });
    expect(out.state.committed).toEqual([b1.id]);
    expect(out.state.view).toBe(4);
    expect(decides(out.effects)).toEqual([{ height: 0, value: b1.id }]);
    // And it votes for b4 (extends the lock b2), to everyone.
    expect(out.effects).toContainEqual({ kind: 'broadcast', msg: { type: 'vote', view: 4, block: b4.id } });
  });

  it('a proposal from a node that does not lead its view is ignored', () => {
    const forged = makeBlock(4, qc(b3), 2, 'not-the-leader');
    const s = node([b1, b2, b3], { view: 3 });
    expect(onMessage(s, 2, { type: 'proposal', block: forged, tc: null }).state).toBe(s);
  });

  it('a vote twice in one view is refused (vheight), unless the mutant drops the test', () => {
    const other = makeBlock(4, qc(b3), 0, 'equivocation');
    const s = node([b1, b2, b3], { view: 4, highQC: qc(b3) });
    const first = onMessage(s, 0, { type: 'proposal', block: b4, tc: null });
    const second = onMessage(first.state, 0, { type: 'proposal', block: other, tc: null });
    expect(second.effects.some((e) => e.kind === 'broadcast' && e.msg.type === 'vote')).toBe(false);
    const m = onMessage(onMessage({ ...s, flags: flagsFor('vheight-not-enforced') }, 0, { type: 'proposal', block: b4, tc: null }).state, 0, { type: 'proposal', block: other, tc: null });
    expect(m.effects).toContainEqual({ kind: 'broadcast', msg: { type: 'vote', view: 4, block: other.id } });
  });
});

describe('hotstuff: protocol surface', () => {
  const p = hotstuff();

  it('view() renders committed count, view, phase and lock', () => {
    const s = node([b1, b2, b3], { view: 4, committed: [b1.id], lockedBlock: b2.id, lockedView: 2 });
    expect(p.view(s)).toEqual({ height: 1, round: 4, step: 'wait', lock: `${b2.id}@2` });
    expect(p.view(initialState(0, CFG, CORRECT_FLAGS)).lock).toBe('-');
  });

  it('vote slots are per signer, kind and view', () => {
    expect(p.voteSlot(2, { type: 'vote', view: 4, block: b4.id })).toEqual({ slot: 'vote/2/v4', value: b4.id });
    expect(p.voteSlot(0, { type: 'proposal', block: b4, tc: null })?.slot).toBe('proposal/0/v4');
  });

  it('validateMessage names the bad field', () => {
    expect(validateMessage({ type: 'vote', view: 1, block: b1.id })).toBeUndefined();
    expect(validateMessage({ type: 'proposal', block: b4, tc: null })).toBeUndefined();
    expect(validateMessage({ type: 'nope' })).toMatch(/^type:/);
    expect(validateMessage({ type: 'vote', view: -1, block: 'x' })).toMatch(/^view:/);
    expect(validateMessage({ type: 'proposal', block: { ...b4, justify: { ...b4.justify, signers: 'all' } }, tc: null })).toMatch(/^block\.justify\.signers:/);
    expect(validateMessage({ type: 'timeout', view: 2, highQC: GENESIS_QC, tc: { view: 'x', signers: [] } })).toMatch(/^tc\.view:/);
  });

  it('decisions are block ids', () => {
    expect(p.isValidValue(b1.id)).toBe(true);
    expect(p.isValidValue(GENESIS_ID)).toBe(true);
    expect(p.isValidValue('v1p1')).toBe(false);
    expect(p.describe({ type: 'proposal', block: b4, tc: null })).toMatch(/^PROPOSE v4 /);
  });
});
