import { describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE } from '../src/adversary/arbitraries.ts';
import { fuzzScenario } from '../src/adversary/fuzzer.ts';
import { fuzzCampaign, huntWithFastCheck } from '../src/check/hunt.ts';
import { runTape } from '../src/check/execute.ts';
import { clusterConfig } from '../src/core/config.ts';
import { TENDERMINT_MUTANTS, type TendermintMutant, tendermint } from '../src/protocols/tendermint/index.ts';
import { expectSurvives } from './support.ts';

describe('tendermint (Algorithm 1) survives the adversary', () => {
  it('n=4: drops, duplicates, crash, partition, up to f Byzantine nodes, 2 heights', () => {
    expectSurvives(tendermint(), { seed: 1, numRuns: 3000 });
  });

  it('n=7: two Byzantine nodes, longer tapes', () => {
    expectSurvives(tendermint(), {
      seed: 2,
      numRuns: 400,
      shape: { ...DEFAULT_SHAPE, sizes: [7], maxTape: 120 },
    });
  });

  it('n=5 (not 3f+1): quorum floor((n+f)/2)+1 still keeps it safe and live', () => {
    expectSurvives(tendermint(), { seed: 3, numRuns: 300, shape: { ...DEFAULT_SHAPE, sizes: [5, 6] } });
  });

  it('the standalone seedrandom fuzzer agrees: 10000 scenarios, nothing broken', () => {
    const out = fuzzCampaign(tendermint(), { seed: 'npm-test', start: 0, end: 10_000 });
    expect(out.failure?.result.violation).toBeUndefined();
  });

  it('decides every height after GST on the plain synchronous network (empty tape)', () => {
    for (const n of [2, 4, 7, 10]) {
      const r = runTape(tendermint(), clusterConfig(n, { heights: 3 }), []);
      expect(r.violation).toBeUndefined();
      expect(r.world.decisions.every((d) => d.length >= 3)).toBe(true);
    }
  });
});

/**
 * Every mutant must be killed within a fixed budget of seedrandom scenarios. The budgets
 * are about 3x the runs the seed needs today (see the bench for the figures), so a
 * weaker adversary or a weaker invariant shows up here as a failure.
 */
const KILLS: Record<TendermintMutant, { budget: number; invariant: string }> = {
  'lock-ignored': { budget: 500, invariant: 'prevote-respects-lock' },
  'quorum-too-small': { budget: 50, invariant: 'nil-precommit-backed' },
  'old-pol-accepted': { budget: 10_000, invariant: 'prevote-respects-lock' },
  'votes-per-message': { budget: 50, invariant: 'precommit-backed' },
  'stale-timeout': { budget: 50, invariant: 'no-equivocation' },
  'lock-not-set': { budget: 50, invariant: 'precommit-locks' },
  'prevote-any-step': { budget: 50, invariant: 'no-equivocation' },
  'valid-unchecked': { budget: 1000, invariant: 'validity' },
  'propose-ignores-valid-value': { budget: 500, invariant: 'proposal-carries-valid' },
  'decide-current-round-only': { budget: 2000, invariant: 'decides-on-certificate' },
  'valid-only-when-locking': { budget: 200, invariant: 'valid-round-latest' },
  'skip-needs-quorum': { budget: 50, invariant: 'round-skip-taken' },
  'pol-unchecked': { budget: 1000, invariant: 'prevote-backed' },
};

describe('every tendermint mutant is killed within its budget', () => {
  for (const mutant of Object.keys(TENDERMINT_MUTANTS) as TendermintMutant[]) {
    it(`${mutant}: ${TENDERMINT_MUTANTS[mutant]}`, () => {
      const { budget, invariant } = KILLS[mutant];
      const out = fuzzCampaign(tendermint(mutant), { seed: 'kill', start: 0, end: budget, shrink: false });
      expect(out.failure, `survived ${budget} scenarios`).toBeDefined();
      expect(out.failure!.result.violation!.invariant).toBe(invariant);
    });
  }

  it('agreement alone (lock invariants switched off) catches the quorum bug end to end', () => {
    // Each property must fail on some mutant; this is the one agreement fails on first.
    const bare = { ...tendermint('quorum-too-small'), invariants: [] };
    const out = fuzzCampaign(bare, { seed: 'agree', start: 0, end: 2000, shrink: false });
    expect(out.failure?.result.violation?.invariant).toBe('agreement');
  });

  it('fast-check also kills and shrinks a mutant to a short counterexample', () => {
    const failure = huntWithFastCheck(tendermint('prevote-any-step'), { seed: 4, numRuns: 200 });
    expect(failure?.result.violation?.invariant).toBe('no-equivocation');
    expect(failure!.result.actions.length).toBeLessThan(20);
  });
});

describe('tendermint against Twins (Bano et al. 2020)', () => {
  const twinsShape = { ...DEFAULT_SHAPE, twins: true, maxFaults: { ...DEFAULT_SHAPE.maxFaults, partitions: 2 } };

  it('survives f twinned identities: two honest instances with one key, split by partitions', () => {
    expectSurvives(tendermint(), { seed: 5, numRuns: 1500, shape: twinsShape });
  });

  it('twins equivocate without any injection: a lock-ignoring mutant is caught', () => {
    const out = fuzzCampaign(tendermint('lock-ignored'), {
      seed: 'twins',
      start: 0,
      end: 2000,
      shrink: false,
      shape: { ...twinsShape, maxFaults: { ...twinsShape.maxFaults, injections: 0 } },
    });
    expect(out.failure?.result.violation?.invariant).toBe('prevote-respects-lock');
  });

  it('a twin pair really does send two different votes in one round', () => {
    let equivocations = 0;
    for (let i = 0; i < 300 && equivocations === 0; i++) {
      const sc = fuzzScenario('twins-evidence', i, { ...twinsShape, maxFaults: { ...twinsShape.maxFaults, injections: 0 } });
      if (sc.cfg.twins.length === 0) continue;
      const seen = new Map<string, string>();
      runTape(tendermint(), sc.cfg, sc.tape, {
        observe: (_i, _a, _w, rec) => {
          for (const e of rec.sent) {
            if (!sc.cfg.twins.includes(e.from) || e.msg.type === 'proposal') continue;
            const slot = `${e.msg.type}/${e.from}/${e.msg.height}/${e.msg.round}`;
            const prior = seen.get(slot);
            if (prior !== undefined && prior !== String(e.msg.id)) equivocations++;
            seen.set(slot, String(e.msg.id));
          }
        },
      });
    }
    expect(equivocations).toBeGreaterThan(0);
  });
});

describe('tendermint reducer, rule by rule', () => {
  const cfg = clusterConfig(4);
  const p = tendermint();

  it('L55: f+1 messages of a far higher round move a node that fell behind (nothing is dropped)', () => {
    let s = p.init(1, cfg).state;
    for (const from of [2, 3]) s = p.onMessage(s, from, { type: 'prevote', height: 0, round: 500, id: null }).state;
    expect(s.round).toBe(500);
    expect(s.step).toBe('propose');
  });

  it('L49: a decision from a proposal and 2f+1 precommits of a far round', () => {
    let s = p.init(2, cfg).state;
    const value = 'h0r300p0';
    s = p.onMessage(s, 0, { type: 'proposal', height: 0, round: 300, value, validRound: -1 }).state;
    const id = s.rounds[300]?.proposals[0]?.id ?? [...s.future.values()][0]!.proposals[0]!.id;
    for (const from of [0, 1, 3]) s = p.onMessage(s, from, { type: 'precommit', height: 0, round: 300, id }).state;
    expect(s.decisions).toEqual([value]);
    expect(s.height).toBe(1);
  });
});
