/**
 * Action-list minimization (src/minimize/actions.ts), the stage after the tape shrink: it
 * keeps the same broken invariant, never lengthens the adversary's part of the run, is
 * deterministic, and its result replays exactly from the explicit list (what fixtures store).
 */
import { describe, expect, it } from 'vitest';
import { runActions, runTape } from '../src/check/execute.ts';
import { fuzzCampaign, shrinkScenario } from '../src/check/hunt.ts';
import { adversaryLength, minimizeActions } from '../src/minimize/actions.ts';
import { createProtocol } from '../src/protocols/registry.ts';

// Measured with seed "min" (tape-shrunk adversary actions -> minimized): tendermint lock-ignored
// 39 -> 18, propose-ignores-valid-value 20 -> 9; hotstuff safe-node-ignores-lock 21 -> 9,
// commit-on-2-chain 26 -> 10; jolteon tc-vote-without-hqc-check 11 -> 9; 0.3 s at most each.
const CASES: [string, string][] = [
  ['tendermint', 'lock-ignored'],
  ['tendermint', 'propose-ignores-valid-value'],
  ['hotstuff', 'safe-node-ignores-lock'],
  ['hotstuff', 'commit-on-2-chain'],
];

describe('action-list minimization', () => {
  for (const [name, mutant] of CASES) {
    it(`${name}/${mutant}: shorter, same invariant, deterministic, replays from the list`, () => {
      const p = createProtocol(name, mutant);
      const found = fuzzCampaign(p, { seed: 'min', start: 0, end: 20000, shrink: false });
      expect(found.failure, 'mutant not found').toBeDefined();
      const sc = shrinkScenario(p, found.failure!.scenario, 80).scenario;
      const shrunk = runTape(p, sc.cfg, sc.tape, { priority: sc.priority });
      const m = minimizeActions(p, sc.cfg, shrunk);
      expect(m.result.violation!.invariant).toBe(shrunk.violation!.invariant);
      expect(m.after).toBeLessThan(m.before);
      expect(m.after).toBe(adversaryLength(m.result.actions as never));
      expect(minimizeActions(p, sc.cfg, shrunk).result.actions).toEqual(m.result.actions);
      const again = runActions(p, sc.cfg, m.result.actions);
      expect(again.skipped).toEqual([]);
      expect(again.violation).toEqual(m.result.violation);
    });
  }

  it('a run that holds is returned as it is', () => {
    const p = createProtocol('tendermint');
    const sc = fuzzCampaign(p, { seed: 'min', start: 0, end: 1 });
    expect(sc.failure).toBeUndefined();
    const r = runTape(p, { n: 4, f: 1, byzantine: [], twins: [], heights: 1, faults: { drops: 0, duplicates: 0, crashes: 0, partitions: 0, injections: 0 }, gstStepBound: 840 }, []);
    expect(minimizeActions(p, r.world.cfg, r)).toMatchObject({ runs: 0, result: r });
  });
});
