/**
 * Istanbul BFT as Klaytn runs it (src/protocols/ibft): the pieces as pure functions, the
 * known flaws found by the fuzzer, the IBFT 1.0 liveness flaw caught early, and every mutant
 * killed within a measured budget. QBFT has its own suite (qbft.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE, type ScenarioShape } from '../src/adversary/arbitraries.ts';
import { fuzzCampaign } from '../src/search/random.ts';
import { fuzzScenario } from '../src/adversary/fuzzer.ts';
import { execute, runActions, runTape, synchronousTail } from '../src/check/execute.ts';
import { initWorld } from '../src/sim/step.ts';
import { clusterConfig } from '../src/core/config.ts';
import { readFixture } from '../src/trace/fixture.ts';
import { createProtocol } from '../src/protocols/registry.ts';
import { IBFT_LIVENESS_MUTANTS, IBFT_MUTANTS, type IbftLivenessMutant, type IbftMutant, ibft, watchLockSplit } from '../src/protocols/ibft/index.ts';
import {
  PROPOSER_UPDATE_INTERVAL, committeeAfter, faultTolerance, honestVote, quorumSize, roundRobinProposer, stickyProposer, stakeWeight,
  voteIsValid, weightedRandomProposer,
} from '../src/protocols/ibft/committee.ts';
import { checkedQuorum } from '../src/protocols/ibft/checks.ts';
import { ibftWideByzantineMessages } from '../src/protocols/ibft/byzantine.ts';
import { makeBlock, parseBlock, validateMessage } from '../src/protocols/ibft/messages.ts';
import { FIXTURE_ROOT } from './support.ts';
import { join } from 'node:path';

describe('ibft sizes: F, Q and the static quorum-intersection check', () => {
  it('F = ceil(S/3) - 1 and Q = ceil(2S/3) (S if S < 4), as Kaia core.go computes them', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10, 64].map(faultTolerance)).toEqual([0, 0, 0, 1, 1, 1, 2, 3, 21]);
    expect([1, 2, 3, 4, 5, 6, 7, 10, 64].map((s) => quorumSize(s, 'ceil2n3'))).toEqual([1, 2, 3, 3, 4, 4, 5, 7, 43]);
    expect([4, 5, 6, 7].map((s) => quorumSize(s, '2f1'))).toEqual([3, 3, 3, 5]);
  });

  it('two quorums of ceil(2S/3) share F+1 members (a correct one) for every S up to 64; 2F+1 does not at S = 5, 6', () => {
    const broken: Record<string, number[]> = { ceil2n3: [], '2f1': [] };
    for (const rule of ['ceil2n3', '2f1'] as const) {
      for (let s = 1; s <= 64; s++) {
        const q = quorumSize(s, rule);
        expect(q).toBeLessThanOrEqual(s - faultTolerance(s)); // reachable by the correct members alone
        if (2 * q - s < faultTolerance(s) + 1) broken[rule]!.push(s);
        expect(checkedQuorum(s, rule)).toBe(q); // the invariants' own formula agrees
      }
    }
    expect(broken['ceil2n3']).toEqual([]);
    // 2F+1 fails wherever S is not 3F+1: 5, 6, 8, 9, 11, 12, ...
    expect(broken['2f1']!.slice(0, 6)).toEqual([5, 6, 8, 9, 11, 12]);
  });
});

describe('ibft proposer policies (validator/default.go, weighted.go) are pure functions', () => {
  const committee = [0, 1, 2, 3];

  it('RoundRobin: V[round] at the first height, then V[(idx(last proposer) + round + 1) mod S]', () => {
    expect([0, 1, 2, 5].map((round) => roundRobinProposer({ committee, lastProposer: null, seq: 0, round }))).toEqual([0, 1, 2, 1]);
    expect([0, 1, 2, 3].map((round) => roundRobinProposer({ committee, lastProposer: 2, seq: 7, round }))).toEqual([3, 0, 1, 2]);
    // A last proposer that left the committee counts as index 0 (calcSeed).
    expect(roundRobinProposer({ committee: [0, 1, 3], lastProposer: 2, seq: 3, round: 0 })).toBe(1);
  });

  it('Sticky: V[(idx(last proposer) + round) mod S]: the proposer stays while round 0 succeeds', () => {
    expect([0, 1, 2].map((round) => stickyProposer({ committee, lastProposer: 2, seq: 9, round }))).toEqual([2, 3, 0]);
    expect(stickyProposer({ committee, lastProposer: null, seq: 0, round: 1 })).toBe(1);
  });

  it('WeightedRandom: members only, by stake over an interval, the same for the same inputs', () => {
    const counts = new Map<number, number>();
    for (let seq = 0; seq < PROPOSER_UPDATE_INTERVAL; seq++) {
      for (let round = 0; round < 6; round++) {
        const p = weightedRandomProposer({ committee, lastProposer: null, seq, round });
        expect(committee).toContain(p);
        expect(weightedRandomProposer({ committee, lastProposer: 1, seq, round })).toBe(p);
        counts.set(p, (counts.get(p) ?? 0) + 1);
      }
    }
    // One interval walks the shuffled slot list, each member as often as its weight (1, 2, 3, 1).
    const slots = committee.reduce((a, v) => a + stakeWeight(v), 0);
    expect(slots).toBe(7);
    expect(counts.get(2)).toBeGreaterThan(counts.get(0)!);
  });
});

describe('ibft validator-set changes: the committee is a function of the chain', () => {
  it('votes add a non-member and remove a member from the next height; bad votes are refused', () => {
    expect(committeeAfter([0, 1, 2], makeBlock(0, 0, 0, { vote: 'add', node: 3 }))).toEqual([0, 1, 2, 3]);
    expect(committeeAfter([0, 1, 2, 3, 4], makeBlock(1, 0, 1, { vote: 'remove', node: 4 }))).toEqual([0, 1, 2, 3]);
    expect(voteIsValid([0, 1, 2], 4, makeBlock(0, 0, 0, { vote: 'add', node: 3 }))).toBe(true);
    expect(voteIsValid([0, 1, 2], 4, makeBlock(0, 0, 0, { vote: 'add', node: 2 }))).toBe(false);
    expect(voteIsValid([0, 1, 2], 4, makeBlock(0, 0, 0, { vote: 'add', node: 9 }))).toBe(false);
    expect(voteIsValid([0], 4, makeBlock(0, 0, 0, { vote: 'remove', node: 0 }))).toBe(false);
    expect(parseBlock('h3r1p2-4')).toEqual({ seq: 3, round: 1, proposer: 2, vote: { vote: 'remove', node: 4 } });
    expect(honestVote([0, 1, 2, 3, 4], 6, 0)).toEqual({ vote: 'add', node: 5 });
    expect(honestVote([0, 1, 2, 3, 4, 5], 6, 1)).toEqual({ vote: 'remove', node: 5 });
  });

  it('n=6, one node outside: it joins, leaves and joins again; every node decides every height and agrees on the proposers', () => {
    for (const name of ['ibft-valset', 'qbft-valset']) {
      const r = runTape(createProtocol(name), clusterConfig(6, { heights: 4 }), []);
      expect(r.violation).toBeUndefined();
      const chains = r.world.decisions.map((d) => d.slice(0, 4).join(' '));
      expect(new Set(chains).size).toBe(1);
      expect(chains[0]).toMatch(/^h0r0p0\+5 h1r0p1-5 h2r0p2\+5 h3r0p\d-5$/);
    }
  });

  it('survives a campaign with the passive node joining and leaving (n=5,6, faults, Byzantine nodes)', () => {
    for (const name of ['ibft-valset', 'qbft-valset']) {
      const out = fuzzCampaign(createProtocol(name), { seed: 'valset', start: 0, end: 300, shrink: false, shape: { ...DEFAULT_SHAPE, sizes: [5, 6], maxHeights: 3 } });
      expect(out.failure?.result.violation).toBeUndefined();
    }
  });
});

describe('ibft (the Klaytn design) under the adversary', () => {
  it('decides every height on the synchronous network, n = 2..10, with each proposer policy', () => {
    for (const name of ['ibft', 'ibft-sticky', 'ibft-weighted', 'ibft-kaia']) {
      for (const n of [2, 4, 7, 10]) {
        const r = runTape(createProtocol(name), clusterConfig(n, { heights: 3 }), []);
        expect(r.violation).toBeUndefined();
        expect(r.world.decisions.every((d) => d.length >= 3)).toBe(true);
      }
    }
  });

  it('holds on the default shape: n=4, faults, up to f Byzantine nodes (2,000 scenarios)', () => {
    const out = fuzzCampaign(ibft(), { seed: 'npm-test', start: 0, end: 2000, shrink: false });
    expect(out.failure?.result.violation).toBeUndefined();
  });

  /*
   * ibft-2f1 at n=6 (Q = 3): found by `npm run fuzz -- --protocol ibft-2f1 --n 6 --no-byzantine
   * --partitions 2 --drops 3 --duplicates 0 --crashes 0 --seed s1 --workers 1` after 9,951
   * scenarios (11 s of one core), shrunk to 122 actions (tape of 11): fixtures/ibft/2f1-n6-partition-forks.json.
   * The whole campaign is too long for npm test; this runs the 20 scenarios around the find.
   */
  const N6_2F1: ScenarioShape = {
    ...DEFAULT_SHAPE, sizes: [6], byzantine: false, strategy: 'mixed',
    maxFaults: { drops: 3, duplicates: 0, crashes: 0, partitions: 2, injections: 6 },
  };

  it('with the old quorum 2F+1 it forks at n=6 without any Byzantine node (the fuzzer\'s find, replayed)', () => {
    const out = fuzzCampaign(createProtocol('ibft-2f1'), { seed: 's1', start: 9940, end: 9960, shrink: false, shape: N6_2F1 });
    expect(out.failure?.result.violation?.invariant).toBe('agreement');
    expect(9940 + out.runs).toBe(9951);
  });

  it('the same scenarios do not fork the Klaytn quorum ceil(2S/3)', () => {
    const out = fuzzCampaign(ibft(), { seed: 's1', start: 9940, end: 9960, shrink: false, shape: N6_2F1 });
    expect(out.failure).toBeUndefined();
  });
});

describe('ibft-2f1 at n=5: one equivocating Byzantine proposer forks it (found by the fuzzer)', () => {
  /*
   * The documented shape: n = 5, one height, tapes up to 12 steps, uniform delivery, up to 4
   * injections and no other fault (a drop of the Byzantine node's own message is free). Runs to
   * the first agreement violation, `npx tsx` over fuzzScenario(seed, i, N5_EQUIVOCATION) and
   * runTape (the fuzz command's loop), seeds e1..e6, on 2 shared cores loaded by other engineers:
   * 11,072, 9,316, 70,652, 57,201, 31,148, 24,164 runs (median 27,656, worst 70,652; 3.3 to
   * 28.9 s of CPU, about 0.4 ms a scenario). Budget 150,000 runs (>= 5x median, >= 2x worst).
   * Shrunk (npm run fuzz -- --protocol ibft-2f1 --n 5 --heights 1 --tape 12 --strategy uniform
   * --drops 0 --duplicates 0 --crashes 0 --partitions 0 --injections 4 --seed e2 --workers 1)
   * to a tape of 5 and 50 actions: fixtures/ibft/2f1-n5-equivocation-forks.json. With the
   * previous Byzantine vocabulary (ibft/byzantine.ts) the same shape found nothing in 20,000
   * runs of seed r1 (this one: 2 finds there); the whole budget is too long for npm test, so
   * this replays the scenarios around the find of seed e2.
   */
  const N5_EQUIVOCATION: ScenarioShape = {
    ...DEFAULT_SHAPE, sizes: [5], maxHeights: 1, maxTape: 12, strategy: 'uniform',
    maxFaults: { drops: 0, duplicates: 0, crashes: 0, partitions: 0, injections: 4 },
  };

  it('the fuzzer finds the fork at scenario 9,316 of seed e2 (20 scenarios around it replayed)', () => {
    const out = fuzzCampaign(createProtocol('ibft-2f1'), { seed: 'e2', start: 9306, end: 9326, shrink: false, shape: N5_EQUIVOCATION });
    expect(out.failure?.result.violation?.invariant).toBe('agreement');
    expect(9306 + out.runs).toBe(9316);
    expect(out.failure!.scenario.cfg.byzantine).toEqual([0]); // the proposer of round 0
  });

  it('the same scenarios do not fork the Klaytn quorum ceil(2S/3) = 4', () => {
    const out = fuzzCampaign(ibft(), { seed: 'e2', start: 9306, end: 9326, shrink: false, shape: N5_EQUIVOCATION });
    expect(out.failure).toBeUndefined();
  });

  it('the shrunk fixture: five adversary actions, two blocks decided at height 0', () => {
    const fx = readFixture(join(FIXTURE_ROOT, 'ibft', '2f1-n5-equivocation-forks.json'));
    const r = runActions(createProtocol('ibft-2f1'), fx.config, fx.actions as never);
    expect(r.violation?.invariant).toBe('agreement');
    expect(r.violation?.detail).toMatch(/node 1 decided "h0r0p0" but node 2 decided "h0r0p0b"/);
    const gst = fx.actions.findIndex((a) => a.kind === 'gst');
    expect(fx.actions.slice(0, gst).filter((a) => a.kind !== 'deliver').length).toBe(3);
    // Q = 4 under the Klaytn rule: the same schedule decides one block.
    const klaytn = runActions(ibft(), fx.config, fx.actions as never);
    expect(klaytn.violation).toBeUndefined();
  });
});

describe('ibft: the IBFT 1.0 liveness flaw (split locks) and its early warning', () => {
  /*
   * Found by fuzzCampaign(ibft(), seed "s7", shape N4_INJECT) at scenario 139,669 (314 s of one
   * core; the first 139,668 scenarios all held), shrunk to a tape of 28: nodes 0 and 2 lock
   * h0r1p1, nodes 1 and 3 lock h0r0p0 (Byzantine node 2, proposer of round 2, re-proposed the
   * round-0 block), and no block can gather Q = 3 again. With crash faults alone it is not
   * reachable here: a crashed node restarts at GST, and an unlocked node lets a lock win.
   */
  const N4_INJECT: ScenarioShape = {
    ...DEFAULT_SHAPE, sizes: [4], maxHeights: 1, maxTape: 100, strategy: 'priority',
    maxFaults: { drops: 0, duplicates: 0, crashes: 0, partitions: 0, injections: 4 },
  };
  // The find was made with the wider Byzantine vocabulary byzantine.ts offered then (kept there
  // as ibftWideByzantineMessages); the focused one ibft() offers now has not re-found it in
  // 150,000 runs of seed s7 (95 s of CPU). The adversary that persists after GST finds the stall
  // sooner (properties/liveness.test.ts: a core that cuts one node off, termination).
  const wide = { ...ibft(), byzantineMessages: ibftWideByzantineMessages };

  it('the fuzzer\'s find: lock-split reports it; without that invariant, termination fails after GST', () => {
    const out = fuzzCampaign(wide, { seed: 's7', start: 139_660, end: 139_670, shrink: false, shape: N4_INJECT });
    expect(out.failure?.result.violation?.invariant).toBe('lock-split');
    const bare = { ...wide, worldInvariants: [] };
    const late = fuzzCampaign(bare, { seed: 's7', start: 139_660, end: 139_670, shrink: false, shape: N4_INJECT });
    expect(late.failure?.result.violation?.invariant).toBe('termination');
  });

  it('lock-split flags it right after GST, more than 700 steps before the termination bound', () => {
    const fx = readFixture(join(FIXTURE_ROOT, 'ibft', 'liveness-split-locks.json'));
    const r = runActions(ibft(), fx.config, fx.actions as never);
    expect(r.violation?.invariant).toBe('lock-split');
    expect(r.violation!.detail).toMatch(/locks h0r1p1 by \[0,2\], h0r0p0 by \[1,3\]/);
    const gst = fx.actions.findIndex((a) => a.kind === 'gst');
    expect(r.violation!.step).toBeGreaterThanOrEqual(gst);
    expect(r.violation!.step).toBeLessThan(gst + 100);
    // The same recording without the early warning: the harness's synchronous tail runs on
    // after the recorded actions, and termination fails only at the post-GST step bound.
    const watch = watchLockSplit();
    const bare = runActions({ ...ibft(), worldInvariants: [] }, fx.config, fx.actions as never, { observe: watch.observe });
    expect(bare.violation?.invariant).toBe('termination');
    expect(watch.first()!.step).toBe(r.violation!.step);
    expect(bare.violation!.step - r.violation!.step).toBeGreaterThan(700);
  });

  it('the watcher never fires on runs that terminate (400 default scenarios)', () => {
    for (let i = 0; i < 400; i++) {
      const watch = watchLockSplit();
      const sc = { cfg: clusterConfig(4, { heights: 1, byzantine: i % 2 ? [3] : [], faults: { drops: 2, partitions: 1, injections: i % 2 ? 4 : 0 } }) };
      const tape = Array.from({ length: 40 }, (_, k) => (i * 7919 + k * 104729) % 65536);
      const r = runTape(ibft(), sc.cfg, tape, { observe: watch.observe });
      if (r.violation === undefined) expect(watch.first()).toBeUndefined();
    }
  });
});

describe('ibft: the invalid committed seal attack (n=4, one Byzantine node)', () => {
  /*
   * fixtures/ibft/invalid-seal-attack-forks.json is a constructed schedule: node 1 sends a
   * bad-seal COMMIT to nodes 0 and 2 only; with seals checked at import (klaytn/klaytn) their
   * import fails, they unlock and ask for round 1; node 1 then sends them ROUND-CHANGE r1, its
   * round-1 proposal and a valid COMMIT for it, and they decide h0r1p1 while node 3 imported
   * h0r0p0 (the valid seals of round 0 must not reach nodes 0 and 2 before that). With tapes
   * drawn uniformly the fuzzer did not find it (uniform and priority delivery, up to 8
   * injections, tapes up to 40: 15,000 runs of seed s1; guided, 30,000 runs of seed b1): about
   * one tape entry in four fires a timer, and the nodes leave round 0 before the seals are
   * counted. With deliverShare it does (SEAL_SHAPE below, fixture invalid-seal-attack-found.json).
   * The bad seal alone neither forks nor stalls the Klaytn design (test below): the nodes whose
   * import failed import h0r0p0 by block sync once a third valid seal of round 0 reaches them.
   */
  const fx = readFixture(join(FIXTURE_ROOT, 'ibft', 'invalid-seal-attack-forks.json'));

  it('the bad seals alone (the attack up to the failed imports, then GST): nodes 0 and 2 unlock, then sync h0r0p0; every node decides it', () => {
    const p = createProtocol('ibft');
    const prefix = fx.actions.slice(0, 16);
    let failedImports = 0;
    const r = execute(p, fx.config, (w, i) => (i < prefix.length ? prefix[i] as never : w.gst ? synchronousTail(p, w) : { kind: 'gst' }), {
      observe: (_i, _a, _w, rec) => {
        for (const t of rec.transitions) if (t.before.locked !== null && t.after.locked === null && t.after.seq === t.before.seq) failedImports++;
      },
    });
    expect(failedImports).toBe(2);
    expect(r.violation).toBeUndefined();
    expect(r.world.decisions.map((d) => d[0])).toEqual(['h0r0p0', 'h0r0p0', 'h0r0p0', 'h0r0p0']);
  });

  /*
   * The adversary that persists after GST sends the attack by itself: an equivocating node
   * sends the second half of the correct nodes the first COMMIT of its vocabulary with the same
   * slot and another vote, which for a non-proposer is the bad-seal COMMIT (byzantine.ts order).
   * Measured, 3,000 scenarios of this shape, seed seal-post (3.1 s of CPU): 314 with an
   * equivocator, in 167 of them correct nodes failed an import after GST; all 314 held (the
   * first 300, checked here: 17 such runs, 1.4 s of CPU).
   */
  it('bad seals after GST (equivocating Byzantine nodes) cost a round, never a fork or a stall (300 scenarios)', () => {
    const shape: ScenarioShape = { ...DEFAULT_SHAPE, sizes: [4], maxHeights: 1, strategy: 'mixed', postGst: true };
    const p = ibft();
    let attacked = 0;
    for (let i = 0; i < 300; i++) {
      const sc = fuzzScenario('seal-post', i, shape);
      let failedImport = false;
      const r = runTape(p, sc.cfg, sc.tape, {
        priority: sc.priority,
        observe: (_i, _a, w, rec) => {
          if (!w.gst) return;
          for (const t of rec.transitions) {
            if (!sc.cfg.byzantine.includes(t.node) && t.before.locked !== null && t.after.locked === null && t.after.seq === t.before.seq) failedImport = true;
          }
        },
      });
      const gst = r.actions.find((a) => a.kind === 'gst');
      if (gst?.kind === 'gst' && Object.values(gst.byzantine ?? {}).includes('equivocating') && failedImport) {
        attacked++;
        expect(r.violation).toBeUndefined();
      }
    }
    expect(attacked).toBeGreaterThan(5);
  });

  it('forks the Klaytn design (seals checked at import only)', () => {
    const r = runActions(createProtocol('ibft'), fx.config, fx.actions as never);
    expect(r.violation?.invariant).toBe('agreement');
    expect(r.violation?.detail).toMatch(/node 0 decided "h0r1p1" but node 3 decided "h0r0p0"/);
  });

  it('neither forks nor stalls ibft-kaia (seals checked on receipt): the bad COMMITs are refused and every node decides h0r0p0', () => {
    const p = createProtocol('ibft-kaia');
    // The attack's first 16 actions (up to the failed imports), then GST and the synchronous network.
    const prefix = fx.actions.slice(0, 16);
    const r = execute(p, fx.config, (w, i) => (i < prefix.length ? prefix[i] as never : w.gst ? synchronousTail(p, w) : { kind: 'gst' }));
    expect(r.violation).toBeUndefined();
    expect(r.world.decisions.filter((_d, i) => i !== 1).map((d) => d[0])).toEqual(['h0r0p0', 'h0r0p0', 'h0r0p0']);
  });

  /*
   * The fuzzer's find (issue 9: "found by the fuzzer from a documented shape"): SEAL_SHAPE is
   * n = 4, one height, one Byzantine node with up to 6 injections of the focused vocabulary
   * (byzantine.ts), no other fault, priority delivery, tapes up to 60, and deliverShare 0.75:
   * 3 tape entries of 4 are "deliver the next message", so timeouts no longer move every node
   * to round 1 before the seals are counted (with every entry drawn uniformly, about one in
   * four is a timer).
   * Runs to the first agreement violation, fuzzScenario + runTape over SEAL_SHAPE with lock-split
   * left out (below), `npx tsx`, 2 cores shared with other engineers' jobs:
   *   seeds m1..m12: 3,802, 12,062, 12,843, 16,966, 202, 10,718, 4,182, 1,184, 3, 18,059,
   *     4,221, 67,251 (median 7,470, worst 67,251; 3,500 to 4,800 scenarios per CPU second)
   *     -> SEAL_BUDGET 140,000 (>= 5x median, >= 2x worst);
   *   the same shape without deliverShare: none of m1..m6 within 40,000 (240,000 runs, 73 s);
   *   uniform delivery instead of priority: 2 of m1..m6 within 40,000 (m3 8,487, m6 3,445);
   *   tapes <= 40: 1 of m1..m6 within 40,000 (m4 2,873);
   *   a narrower vocabulary of the attack only (bad seals, round changes, the Byzantine
   *     proposer's second block and its valid COMMIT; tried, then left out for a gain of 1.35x):
   *     m1..m6 3,721, 10,057, 11,288, 2,979, 6,775, 15,013 (median 8,416).
   * The test pins m5, whose find is cheap.
   * lock-split is left out: under bad seals it raises false alarms. With tapes up to 40 it was
   * the first failure of every seed m1..m6 (at 946 to 10,909 runs), and each of those 6 runs,
   * and 4 more, terminates once lock-split is removed: a node locked through a bad-seal COMMIT
   * fails its import at the next COMMIT and unlocks, which liveness.ts did not count (e.g.
   * ibft() on SEAL_SHAPE with maxTape 40, seed m4, scenario 945). Fixed in liveness.ts
   * (mayFailImport: such a node counts as unlocked); the test after the next shows it, and the
   * fork test keeps lock-split out only so its pinned figures stay those measured.
   * What the fuzzer found is not the constructed schedule: the Byzantine node sends node 1 a
   * bad seal and node 2 a valid one; node 1 unlocks and carries node 0 to h0r1p1 in round 1,
   * while node 2 imports h0r0p0 with node 1's valid round-0 seal, signed before it unlocked.
   */
  const SEAL_SHAPE: ScenarioShape = {
    ...DEFAULT_SHAPE, sizes: [4], maxHeights: 1, maxTape: 60, strategy: 'priority', byzantineCount: 1, deliverShare: 0.75,
    maxFaults: { drops: 0, duplicates: 0, crashes: 0, partitions: 0, injections: 6 },
  };
  const SEAL_BUDGET = 140_000;
  const withoutLockSplit = (name: string) => ({ ...createProtocol(name), worldInvariants: [] }) as ReturnType<typeof ibft>;
  const failedImports = (cfg: typeof fx.config, actions: typeof fx.actions): number => {
    let n = 0;
    runActions(withoutLockSplit('ibft'), cfg, actions as never, {
      observe: (_i, _a, _w, rec) => {
        for (const t of rec.transitions) if (!cfg.byzantine.includes(t.node) && t.before.locked !== null && t.after.locked === null && t.after.seq === t.before.seq) n++;
      },
    });
    return n;
  };

  it('deliverShare only zeroes tape entries: the same configs, priorities and tape lengths as without it, 3 entries in 4 set to 0', () => {
    const plain: ScenarioShape = { ...SEAL_SHAPE, deliverShare: undefined };
    let zeroed = 0;
    let drawn = 0;
    for (let i = 0; i < 200; i++) {
      const a = fuzzScenario('m5', i, plain);
      const b = fuzzScenario('m5', i, SEAL_SHAPE);
      expect(b.cfg).toEqual(a.cfg);
      expect(b.priority).toEqual(a.priority);
      expect(b.tape.length).toBe(a.tape.length);
      b.tape.forEach((x, k) => expect(x === 0 || x === a.tape[k]).toBe(true));
      drawn += a.tape.filter((x) => x !== 0).length;
      zeroed += b.tape.filter((x, k) => x === 0 && a.tape[k] !== 0).length;
    }
    expect(zeroed / drawn).toBeGreaterThan(0.7);
    expect(zeroed / drawn).toBeLessThan(0.8);
  });

  it('the fuzzer finds the fork from SEAL_SHAPE (seed m5, scenario 202)', () => {
    const out = fuzzCampaign(withoutLockSplit('ibft'), { seed: 'm5', start: 0, end: SEAL_BUDGET, shrink: false, shape: SEAL_SHAPE });
    expect(out.failure?.result.violation?.invariant, `no fork in ${SEAL_BUDGET} scenarios`).toBe('agreement');
    expect(out.runs).toBe(202);
    // It is the attack: a correct node failed an import (Q COMMITs, fewer than Q valid seals) and unlocked.
    expect(failedImports(out.failure!.scenario.cfg, out.failure!.result.actions)).toBeGreaterThanOrEqual(1);
  });

  it('lock-split raises no false alarm under bad seals: with tapes up to 40, seed m4 finds the fork at 2,873 (lock-split fired at 945 before the fix)', () => {
    // Before mayFailImport, lock-split was the first failure of every seed m1..m6 here (946 to
    // 10,909 runs), each a run that terminates; now m1..m3, m5, m6 hold for 12,000 runs.
    const out = fuzzCampaign(createProtocol('ibft'), { seed: 'm4', start: 0, end: 3_000, shrink: false, shape: { ...SEAL_SHAPE, maxTape: 40 } });
    expect(out.failure?.result.violation?.invariant).toBe('agreement');
    expect(out.runs).toBe(2_873);
  });

  it('the same scenarios do not fork ibft-kaia (seals checked on receipt)', () => {
    const out = fuzzCampaign(withoutLockSplit('ibft-kaia'), { seed: 'm5', start: 0, end: 202, shrink: false, shape: SEAL_SHAPE });
    expect(out.failure).toBeUndefined();
  });

  it('the shrunk find: one bad seal, one failed import; node 2 imports h0r0p0 while node 0 decides h0r1p1', () => {
    const found = readFixture(join(FIXTURE_ROOT, 'ibft', 'invalid-seal-attack-found.json'));
    const r = runActions(createProtocol('ibft'), found.config, found.actions as never);
    expect(r.violation?.invariant).toBe('agreement');
    expect(r.violation?.detail).toMatch(/node 0 decided "h0r1p1" but node 2 decided "h0r0p0"/);
    const seals = found.actions.flatMap((a) => (a.kind === 'inject' && (a.msg as { type: string }).type === 'commit' ? [`${a.to}:${(a.msg as { seal: boolean }).seal}`] : []));
    expect(seals.sort()).toEqual(['1:false', '2:true']);
    expect(failedImports(found.config, found.actions)).toBe(1);
    // Checked on receipt (Kaia), the same schedule does not fork: the bad COMMIT is refused.
    expect(runActions(createProtocol('ibft-kaia'), found.config, found.actions as never).violation?.invariant).not.toBe('agreement');
  });
});

/*
 * Kill budgets: fuzzCampaign(ibft('ibft', {}, m), { seed, shape: DEFAULT_SHAPE, shrink: false })
 * over seeds k1..k6 (npx tsx, re-measured with the Byzantine vocabulary of byzantine.ts as it
 * is now); budget >= 5x median and >= 2x worst.
 */
const KILLS: Record<IbftMutant, { budget: number; invariant: string }> = {
  // runs to kill 5, 1, 20, 2, 1, 5: median 3.5, worst 20
  'lock-dropped-in-catch-up': { budget: 40, invariant: 'lock-kept' },
  // 37, 19, 182, 22, 28, 118: median 32.5, worst 182
  'prepares-commits-double-counted': { budget: 500, invariant: 'lock-sound' },
  // 42, 8, 26, 2, 2, 5: median 6.5, worst 42
  'locked-node-prepares-other': { budget: 90, invariant: 'lock-respected' },
  // 134, 57, 10, 22, 74, 50: median 53.5, worst 134
  'import-skips-seal-check': { budget: 300, invariant: 'commit-sound' },
};

describe('every ibft mutant is killed within its budget', () => {
  it('the kill table covers the mutant list', () => {
    expect(Object.keys(KILLS).sort()).toEqual(Object.keys(IBFT_MUTANTS).sort());
  });
  for (const mutant of Object.keys(IBFT_MUTANTS) as IbftMutant[]) {
    it(`${mutant}: ${IBFT_MUTANTS[mutant]}`, () => {
      const { budget, invariant } = KILLS[mutant];
      const out = fuzzCampaign(ibft('ibft', {}, mutant), { seed: 'k1', start: 0, end: budget, shrink: false });
      expect(out.failure, `survived ${budget} scenarios`).toBeDefined();
      expect(out.failure!.result.violation!.invariant).toBe(invariant);
    });
  }
});

/*
 * Liveness mutants (issue 11 item 1): safe, so no invariant sees them; termination does once a
 * node stays away for good (the adversary that persists after GST: shape postGst). Runs to the
 * first failure, fuzzCampaign(ibft('ibft', {}, M), { seed, start: 0, end: 3000, shrink: false,
 * shape }) (a script, 2 shared cores loaded by other sessions), seeds s1..s6 with POST_GST, and
 * seeds h1, h2 with the same shape without postGst (Byzantine nodes honest after GST):
 *   round-change-needs-all  post-GST 4, 4, 1, 1, 3, 2 (median 2.5, worst 4) -> budget 20
 *                           honest   >3000, 2,699
 *   prepared-needs-all      post-GST 4, 4, 1, 1, 3, 2 (median 2.5, worst 4) -> budget 20
 *                           honest   1,703, 867
 * Each kill is a core of three that must decide while node 0 is cut off (shrunk to a tape of 1:
 * fixtures/ibft/mutant-<M>.json). The honest adversary kills them too, 300 to 1,000 times later
 * (a Byzantine node that moved on before GST on messages the others never got is away for good
 * with honest behaviour too). The correct ibft fails termination under postGst as well, but
 * later (seeds s3, s5, s6: 1,888, 691, 2,146; s1, s2, s4: none in 3,000): the IBFT 1.0 locks, a
 * cut-off node leaves the other three locked on different blocks (properties/liveness.test.ts);
 * each test below checks that the correct ibft passes the same scenarios.
 */
const POST_GST: ScenarioShape = { ...DEFAULT_SHAPE, strategy: 'mixed', postGst: true };
const LIVENESS_KILLS: Record<IbftLivenessMutant, number> = { 'round-change-needs-all': 20, 'prepared-needs-all': 20 };

describe('ibft liveness mutants are killed by the adversary that persists after GST', () => {
  it('the table covers the liveness mutants', () => {
    expect(Object.keys(LIVENESS_KILLS).sort()).toEqual(Object.keys(IBFT_LIVENESS_MUTANTS).sort());
  });
  for (const mutant of Object.keys(IBFT_LIVENESS_MUTANTS) as IbftLivenessMutant[]) {
    it(`${mutant}: ${IBFT_LIVENESS_MUTANTS[mutant]}`, () => {
      const budget = LIVENESS_KILLS[mutant];
      const out = fuzzCampaign(ibft('ibft', {}, mutant), { seed: 's1', start: 0, end: budget, shrink: false, shape: POST_GST });
      expect(out.failure?.result.violation?.invariant, `survived ${budget} scenarios`).toBe('termination');
      const correct = fuzzCampaign(ibft(), { seed: 's1', start: 0, end: out.runs, shrink: false, shape: POST_GST });
      expect(correct.failure).toBeUndefined();
    });
  }
});

describe('ibft: what a Byzantine node may say (byzantine.ts)', () => {
  const describeAll = (p: ReturnType<typeof ibft>, msgs: readonly unknown[]) => msgs.map((m) => p.describe(m as never));

  it('a proposer at the start of its round: the second block, its valid COMMIT, the next round change', () => {
    const p = createProtocol('ibft-2f1');
    const cfg = clusterConfig(5, { heights: 1, byzantine: [0], faults: { injections: 4 } });
    const w = initWorld(p, cfg).world;
    expect(describeAll(p, p.byzantineMessages!({ cfg, self: 0, states: w.states, seen: [] }))).toEqual([
      'PREPREPARE h0 r0 h0r0p0b', 'COMMIT h0 r0 h0r0p0b', 'ROUND-CHANGE h0 r1',
    ]);
  });

  it('a non-proposer once correct nodes hold a block: the bad seal first, then the valid one; an equivocator after GST sends these as its second version', () => {
    const p = ibft();
    const cfg = clusterConfig(4, { heights: 1, byzantine: [2], faults: { injections: 4 } });
    const w = initWorld(p, cfg).world; // node 0 proposed h0r0p0 and preprepared it; node 2 proposes round 2
    const msgs = p.byzantineMessages!({ cfg, self: 2, states: w.states, seen: [] });
    expect(describeAll(p, msgs)).toEqual(['COMMIT h0 r0 h0r0p0 BAD-SEAL', 'COMMIT h0 r0 h0r0p0', 'ROUND-CHANGE h0 r1']);
    // A bad seal is another vote in the COMMIT slot than the valid one (only a Byzantine node signs one).
    expect(p.voteSlot!(2, msgs[0]!)!.slot).toBe(p.voteSlot!(2, msgs[1]!)!.slot);
    expect(p.voteSlot!(2, msgs[0]!)!.value).not.toBe(p.voteSlot!(2, msgs[1]!)!.value);
  });
});

describe('ibft messages', () => {
  it('validateMessage names the bad field', () => {
    expect(validateMessage({ type: 'commit', seq: 0, round: 1, digest: 'h0r0p0', seal: false })).toBeUndefined();
    expect(validateMessage({ type: 'commit', seq: 0, round: 1, digest: 'h0r0p0' })).toMatch(/^seal:/);
    expect(validateMessage({ type: 'preprepare', seq: 0, round: 1, block: 'x', rcs: [{ from: 'a' }], cert: null })).toMatch(/^rcs\[0\]\.from:/);
    expect(validateMessage({ type: 'vote' })).toMatch(/^type:/);
  });
});
