/**
 * IBFT 2.0 / QBFT (src/protocols/qbft): it survives what breaks the Klaytn design, a campaign
 * over n in {4, 5, 6, 7, 10} with Byzantine nodes and Twins, and every mutant is killed.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE, type ScenarioShape } from '../src/adversary/arbitraries.ts';
import { fuzzCampaign } from '../src/search/random.ts';
import { runTape } from '../src/check/execute.ts';
import { clusterConfig } from '../src/core/config.ts';
import { QBFT_LIVENESS_MUTANTS, QBFT_MUTANTS, type QbftLivenessMutant, type QbftMutant, qbft } from '../src/protocols/qbft/index.ts';

const SHAPE = (sizes: number[], extra: Partial<ScenarioShape> = {}): ScenarioShape => ({ ...DEFAULT_SHAPE, sizes, strategy: 'mixed', ...extra });

describe('qbft survives', () => {
  it('decides every height on the synchronous network, n = 2..10', () => {
    for (const n of [2, 3, 4, 7, 10]) {
      const r = runTape(qbft(), clusterConfig(n, { heights: 3 }), []);
      expect(r.violation).toBeUndefined();
      expect(r.world.decisions.every((d) => d.length >= 3)).toBe(true);
    }
  });

  it('n=4: faults and up to f Byzantine nodes (1,500 scenarios)', () => {
    expect(fuzzCampaign(qbft(), { seed: 'npm-test', start: 0, end: 1500, shrink: false, shape: SHAPE([4]) }).failure?.result.violation).toBeUndefined();
  });

  it('n=5, 6, 7, 10: f Byzantine nodes, longer tapes (600 scenarios)', () => {
    const out = fuzzCampaign(qbft(), { seed: 'npm-test', start: 0, end: 600, shrink: false, shape: SHAPE([5, 6, 7, 10], { maxTape: 120, maxHeights: 1 }) });
    expect(out.failure?.result.violation).toBeUndefined();
  });

  it('Twins: f twinned identities split by partitions (800 scenarios, n = 4, 5, 7)', () => {
    const shape = SHAPE([4, 5, 7], { twins: true, maxFaults: { ...DEFAULT_SHAPE.maxFaults, partitions: 2 } });
    expect(fuzzCampaign(qbft(), { seed: 'twins', start: 0, end: 800, shrink: false, shape }).failure?.result.violation).toBeUndefined();
  });

  it('the scenarios that fork ibft-2f1 at n=6 and stall ibft at n=4 (the fuzzer\'s finds) do neither to qbft', () => {
    const n6: ScenarioShape = { ...DEFAULT_SHAPE, sizes: [6], byzantine: false, strategy: 'mixed', maxFaults: { drops: 3, duplicates: 0, crashes: 0, partitions: 2, injections: 6 } };
    expect(fuzzCampaign(qbft(), { seed: 's1', start: 9940, end: 9960, shrink: false, shape: n6 }).failure).toBeUndefined();
    const n4: ScenarioShape = { ...DEFAULT_SHAPE, sizes: [4], maxHeights: 1, maxTape: 100, strategy: 'priority', maxFaults: { drops: 0, duplicates: 0, crashes: 0, partitions: 0, injections: 4 } };
    expect(fuzzCampaign(qbft(), { seed: 's7', start: 139_600, end: 139_700, shrink: false, shape: n4 }).failure).toBeUndefined();
  });

});

/*
 * Kill budgets: fuzzCampaign(qbft('qbft', {}, m), { seed, shape: DEFAULT_SHAPE, shrink: false })
 * over seeds k1..k6 (npx tsx, measured on this branch); budget >= 5x median and >= 2x worst.
 */
const KILLS: Record<QbftMutant, { budget: number; invariant: string }> = {
  // runs to kill 245, 637, 528, 464, 28, 75: median 354.5, worst 637
  'seal-unchecked': { budget: 1800, invariant: 'commit-sound' },
  // 3, 1, 4, 9, 5, 3: median 3.5, worst 9
  'prepared-value-ignored': { budget: 20, invariant: 'proposal-justified' },
  // 26, 8, 4, 2, 2, 6: median 5, worst 26
  'round-change-drops-prepared': { budget: 60, invariant: 'round-change-carries-prepared' },
};

describe('every qbft mutant is killed within its budget', () => {
  it('the kill table covers the mutant list', () => {
    expect(Object.keys(KILLS).sort()).toEqual(Object.keys(QBFT_MUTANTS).sort());
  });
  for (const mutant of Object.keys(QBFT_MUTANTS) as QbftMutant[]) {
    it(`${mutant}: ${QBFT_MUTANTS[mutant]}`, () => {
      const { budget, invariant } = KILLS[mutant];
      const out = fuzzCampaign(qbft('qbft', {}, mutant), { seed: 'k1', start: 0, end: budget, shrink: false });
      expect(out.failure, `survived ${budget} scenarios`).toBeDefined();
      expect(out.failure!.result.violation!.invariant).toBe(invariant);
    });
  }
});

/*
 * The adversary that persists after GST (issue 11 item 1: per Byzantine node silent, selective,
 * equivocating, delayed, and a core of n - f correct nodes that must decide while the others
 * stay cut off). qbft must still decide with at most f misbehaving nodes.
 * Liveness mutants, runs to the first failure with fuzzCampaign(qbft('qbft', {}, M), { seed,
 * start: 0, end: 3000, shrink: false, shape }) (a script, 2 shared cores, loaded), POST_GST seeds
 * s1..s6, and the same shape without postGst (honest after GST) seeds h1, h2:
 *   round-change-needs-all     post-GST 4, 4, 3, 1, 3, 2 (median 3, worst 4) -> budget 20; honest none in 3,000 (both)
 *   commit-needs-all-prepares  post-GST 4, 4, 1, 1, 3, 2 (median 2.5, worst 4) -> budget 20; honest none in 3,000 (both)
 * Each kill is a core of three with node 0 cut off (fixtures/qbft/mutant-<M>.json). Tried and
 * left out: PREPARE from all before preparing (the round-change-carries-prepared invariant kills
 * it with honest nodes, runs 1-3), seals from all to import (honest after GST kills it at 75-92
 * runs), F+1 catch-up from all (never killed in 3,000 x 6: timeouts move the rounds).
 */
const POST_GST = (sizes: number[], extra: Partial<ScenarioShape> = {}): ScenarioShape => SHAPE(sizes, { postGst: true, ...extra });
const LIVENESS_KILLS: Record<QbftLivenessMutant, number> = { 'round-change-needs-all': 20, 'commit-needs-all-prepares': 20 };

describe('qbft against Byzantine behaviour that persists after GST', () => {
  it('terminates with at most f misbehaving nodes, n = 4 and 7 (300 scenarios)', () => {
    const out = fuzzCampaign(qbft(), { seed: 'post-gst', start: 0, end: 300, shrink: false, shape: POST_GST([4, 7], { maxHeights: 1 }) });
    expect(out.failure?.result.violation).toBeUndefined();
  });

  for (const mutant of Object.keys(QBFT_LIVENESS_MUTANTS) as QbftLivenessMutant[]) {
    it(`liveness mutant ${mutant} is killed (termination), the correct qbft passes the same scenarios: ${QBFT_LIVENESS_MUTANTS[mutant]}`, () => {
      const budget = LIVENESS_KILLS[mutant];
      const out = fuzzCampaign(qbft('qbft', {}, mutant), { seed: 's1', start: 0, end: budget, shrink: false, shape: POST_GST([4]) });
      expect(out.failure?.result.violation?.invariant, `survived ${budget} scenarios`).toBe('termination');
      expect(fuzzCampaign(qbft(), { seed: 's1', start: 0, end: out.runs, shrink: false, shape: POST_GST([4]) }).failure).toBeUndefined();
    });
  }
});
