/**
 * The minimization pipeline (src/minimize/): the causal slice removes what the violation does
 * not depend on, the pipeline is deterministic, keeps the broken invariant, never lengthens
 * the adversary's part of a run, its result replays from the explicit list and its scenario's
 * tape re-derives it; and for three mutants the minimized length stays under a measured bound.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId, Protocol } from '../src/core/types.ts';
import { clusterConfig } from '../src/core/config.ts';
import type { Action } from '../src/sim/actions.ts';
import { runActions, runTape } from '../src/check/execute.ts';
import { fuzzCampaign } from '../src/search/random.ts';
import { failingRun, shrinkScenario } from '../src/minimize/tape.ts';
import { campaignShape } from '../src/api/campaign.ts';
import { fuzzScenario } from '../src/adversary/fuzzer.ts';
import { adversaryLength, minimizeActions } from '../src/minimize/actions.ts';
import { causality, candidateSlices } from '../src/minimize/slice.ts';
import { minimize } from '../src/minimize/pipeline.ts';
import { encodeTape } from '../src/minimize/encode.ts';
import { createProtocol } from '../src/protocols/registry.ts';
import { echoProtocol } from '../bench/exhaustive.ts';

/**
 * Hand-built: every node says hello to every other; node 0 decides "a" on node 1's hello and
 * node 3 decides "b" on node 2's hello (agreement breaks); every other hello changes a
 * counter and nothing else, so its delivery is causally unrelated to both decisions.
 */
interface Hello { readonly type: 'hello' }
interface Counter { readonly self: NodeId; readonly heard: number; readonly decided: boolean }
// The rest of the contract (no votes, every value valid, no invariants of its own) as the echo protocol's.
const hellos: Protocol<Counter, Hello> = {
  ...(echoProtocol('correct') as unknown as Protocol<Counter, Hello>),
  name: 'hellos',
  init: (self) => ({ state: { self, heard: 0, decided: false }, effects: [{ kind: 'broadcast', msg: { type: 'hello' } }] }),
  onMessage(s, from) {
    const heard = { ...s, heard: s.heard + 1 };
    const value = s.self === 0 && from === 1 ? 'a' : s.self === 3 && from === 2 ? 'b' : undefined;
    if (value === undefined || s.decided) return { state: heard, effects: [] };
    return { state: { ...heard, decided: true }, effects: [{ kind: 'decide', height: 0, value }] };
  },
  onTimer: (s) => ({ state: s, effects: [] }),
};

describe('causal slice', () => {
  const cfg = clusterConfig(4);
  // Envelope ids: node i's broadcast (instances in order) makes ids 3i..3i+2 to the others in order.
  const id = (from: number, to: number) => 3 * from + (to < from ? to : to - 1);
  const actions: Action<Hello>[] = [
    { kind: 'deliver', id: id(2, 1) }, // unrelated
    { kind: 'deliver', id: id(1, 0) }, // node 0 decides a
    { kind: 'deliver', id: id(3, 1) }, // unrelated
    { kind: 'deliver', id: id(0, 3) }, // node 3 hears node 0: in node 3's past, kept by the slice
    { kind: 'deliver', id: id(2, 3) }, // node 3 decides b: agreement breaks
  ];

  it('the hand-built run breaks agreement at its last step', () => {
    const r = runActions(hellos, cfg, actions);
    expect(r.violation).toMatchObject({ invariant: 'agreement', step: 4 });
  });

  it('follows deliveries back: the past of the violating step alone, then with the deciding steps', () => {
    const c = causality(hellos, cfg, actions);
    expect(c.decided).toEqual([1, 4]);
    // Third: with every node's last step, here the whole run.
    expect(candidateSlices(c, 4)).toEqual([[3, 4], [1, 3, 4], [0, 1, 2, 3, 4]]);
  });

  it('the slice stage removes the unrelated deliveries in two candidate runs; ddmin then what is related but not needed', () => {
    const failing = runActions(hellos, cfg, actions);
    const m = minimize(hellos, { cfg, actions }, { config: false });
    const slice = m.stages.find((s) => s.stage === 'slice')!;
    expect(slice).toMatchObject({ before: 5, after: 3, runs: 2 });
    expect(m.result.violation?.invariant).toBe('agreement');
    expect(m.stages.find((s) => s.stage === 'ddmin')!.after).toBe(2);
    expect(m.result.actions).toEqual([actions[1], actions[4]]);
    expect(minimizeActions(hellos, cfg, failing).after).toBe(2);
  });
});

// Measured (campaignShape({ twins: true }), first failure of seeds min, m1..m6, then minimize with
// the shape's maxTape; 2-core machine shared with other work): adversary actions after the
// pipeline and CPU seconds of the minimization:
//   tendermint lock-ignored              17 18 14 15 15 8 15    (0.7-2.5 s)
//   hotstuff safe-node-ignores-lock      10 17 14 10 14 10 9    (0.7-2.6 s)
//   tendermint decide-current-round-only 14 14 14 14 14 14 14   (0.3-2.3 s)
// Bounds: the worst seed plus about 40%. The tests run seed "min" (found within 62 scenarios).
const BOUNDS: [string, string, number][] = [
  ['tendermint', 'lock-ignored', 25],
  ['hotstuff', 'safe-node-ignores-lock', 24],
  ['tendermint', 'decide-current-round-only', 20],
];
const shape = campaignShape({ twins: true });

function firstFailure(name: string, mutant: string) {
  const p = createProtocol(name, mutant);
  const found = fuzzCampaign(p, { seed: 'min', start: 0, end: 20000, shrink: false, shape });
  expect(found.failure, `${name}/${mutant} not found`).toBeDefined();
  return { p, raw: fuzzScenario('min', found.runs - 1, shape) };
}

describe('the pipeline', () => {
  const { p, raw } = firstFailure('tendermint', 'lock-ignored');
  let memo: ReturnType<typeof minimize> | undefined;
  const minimized = () => (memo ??= minimize(p, raw, { maxTape: shape.maxTape }));

  it('keeps the invariant, shortens, and its result replays from the list and from its tape', () => {
    const before = runTape(p, raw.cfg, raw.tape, { priority: raw.priority });
    const a = minimized();
    expect(a.result.violation!.invariant).toBe(before.violation!.invariant);
    const length = adversaryLength(a.result.actions as Action<unknown>[]);
    expect(length).toBeLessThan(adversaryLength(before.actions as Action<unknown>[]));
    expect(a.stages.map((s) => s.stage)).toEqual(['tape', 'slice', 'ddmin', 'timers', 'one-at-a-time', 'tail', 'config']);
    // Every stage reports what it kept; none lengthens the run.
    for (const s of a.stages) expect(s.after).toBeLessThanOrEqual(s.before);
    expect(a.stages.at(-1)!.after).toBe(length);
    const again = runActions(p, a.cfg, a.result.actions);
    expect(again.skipped).toEqual([]);
    expect(again.violation).toEqual(a.result.violation);
    expect(a.scenario!.cfg).toEqual(a.cfg);
    expect(runTape(p, a.scenario!.cfg, a.scenario!.tape, { priority: a.scenario!.priority }).actions).toEqual(a.result.actions);
    expect(encodeTape(p, a.cfg, a.result.actions)).toEqual(a.scenario!.tape);
  });

  it('the engines\' entry points go through it, deterministically: shrinkScenario then failingRun', () => {
    const a = minimized();
    const { scenario, shrinks } = shrinkScenario(p, raw, shape.maxTape);
    expect(scenario).toEqual(a.scenario);
    expect(shrinks).toBe(a.stages.reduce((x, s) => x + s.runs, 0));
    const r = failingRun(p, scenario);
    expect(r.actions).toEqual(a.result.actions);
    // Without the memo (a scenario shrinkScenario did not return): the same run, from the tape.
    expect(failingRun(p, { ...scenario }).actions).toEqual(r.actions);
  });

  it('a run that holds is returned as it is, with no stages', () => {
    const q = createProtocol('tendermint');
    const cfg = clusterConfig(4);
    const r = minimize(q, { cfg, tape: [] });
    expect(r.result.violation).toBeUndefined();
    expect(r.stages).toEqual([]);
    expect(minimizeActions(q, cfg, runTape(q, cfg, []))).toMatchObject({ runs: 0 });
  });

  for (const [name, mutant, bound] of BOUNDS) {
    it(`${name}/${mutant}: at most ${bound} adversary actions`, () => {
      const found = name === 'tendermint' && mutant === 'lock-ignored' ? { p, raw } : firstFailure(name, mutant);
      const m = found.p === p ? minimized() : minimize(found.p, found.raw, { maxTape: shape.maxTape });
      expect(adversaryLength(m.result.actions as Action<unknown>[])).toBeLessThanOrEqual(bound);
    });
  }
});
