import { describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE, type ScenarioShape } from '../src/adversary/arbitraries.ts';
import { fuzzScenario } from '../src/adversary/fuzzer.ts';
import { fuzzCampaign } from '../src/search/random.ts';
import { huntWithFastCheck } from '../src/search/fastcheck.ts';
import { runTape } from '../src/check/execute.ts';
import { clusterConfig } from '../src/core/config.ts';
import { TENDERMINT_MUTANTS, type TendermintMutant, tendermint } from '../src/protocols/tendermint/index.ts';
import { expectSurvives } from './support.ts';
import { join } from 'node:path';
import { readFixture } from '../src/trace/fixture.ts';
import { timeline } from '../src/trace/explain.ts';

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
 * Every mutant must be killed within a fixed budget of seedrandom scenarios (seed "kill").
 * Each budget is at least 5x the median and 2x the worst runs-to-kill measured on eight
 * seeds (kill, kill-1 .. kill-7) with the invariants of this commit:
 *   npm run fuzz -- --mutant M --strategy uniform --workers 1 --no-write --runs 60000 --seed S
 * (old-pol-accepted with --strategy priority --tape 160). A passing test costs only the
 * runs to its kill on seed "kill". `invariants` lists every invariant seen first on those
 * seeds: which one fires first depends on the schedule, and each is a right answer.
 */
interface Kill {
  readonly budget: number;
  readonly invariants: readonly string[];
  readonly shape?: ScenarioShape;
}

const KILLS: Record<TendermintMutant, Kill> = {
  // 26 65 27 65 72 2 16 141: median 46, worst 141.
  'lock-ignored': { budget: 500, invariants: ['prevote-respects-lock'] },
  // 1 on every seed (nil-precommit-backed 2, precommit-backed 2, timeout-backed 4).
  'quorum-too-small': { budget: 50, invariants: ['nil-precommit-backed', 'precommit-backed', 'timeout-backed'] },
  // Uniform delivery with 80-step tapes needs ~6,000 runs (up to ~28,000); priority delivery
  // with 80 steps 3537 4021 6225 1251 16426 4329 4096 6585. Longer tapes are what it needs
  // (several rounds before GST): priority, 160 steps: 182 313 101 142 57 521 582 684
  // (and 226 1070 on seeds k8 k9): median 270, worst 1070.
  'old-pol-accepted': { budget: 2500, invariants: ['prevote-respects-lock'], shape: { ...DEFAULT_SHAPE, strategy: 'priority', maxTape: 160 } },
  // 1 1 4 3 1 1 2 3: median 1.5, worst 4.
  'votes-per-message': { budget: 50, invariants: ['precommit-backed', 'valid-round-latest', 'nil-precommit-backed', 'timeout-backed'] },
  // 3 1 1 1 1 1 2 1.
  'stale-timeout': { budget: 50, invariants: ['no-equivocation', 'nil-precommit-backed'] },
  // 1 on every seed.
  'lock-not-set': { budget: 50, invariants: ['precommit-locks'] },
  // 1 on every seed.
  'prevote-any-step': { budget: 50, invariants: ['no-equivocation'] },
  // 242 932 243 1084 382 116 574 1378: median 478, worst 1378 (the old budget, 1,000, had no margin).
  'valid-unchecked': { budget: 3000, invariants: ['validity'] },
  // 10 4 3 2 11 2 12 11: median 7, worst 12.
  'propose-ignores-valid-value': { budget: 500, invariants: ['proposal-carries-valid'] },
  // 66 241 424 156 67 233 11 388: median 195, worst 424. (Before decides-on-certificate only
  // termination caught it: 74 174 480 on kill, s1, s2.)
  'decide-current-round-only': { budget: 1000, invariants: ['decides-on-certificate'] },
  // 10 1 2 2 11 2 12 3: median 2.5, worst 12. (No older invariant kills it in 3,000 runs.)
  'valid-only-when-locking': { budget: 100, invariants: ['valid-round-latest'] },
  // 1 1 1 1 1 2 1 1. (No older invariant kills it in 3,000 runs.)
  'skip-needs-quorum': { budget: 50, invariants: ['round-skip-taken'] },
  // 83 21 161 2 29 83 71 7: median 50, worst 161. (Before prevote-backed: 1633 1036 and >3000.)
  'pol-unchecked': { budget: 400, invariants: ['prevote-backed'] },
};

describe('every tendermint mutant is killed within its budget', () => {
  for (const mutant of Object.keys(TENDERMINT_MUTANTS) as TendermintMutant[]) {
    it(`${mutant}: ${TENDERMINT_MUTANTS[mutant]}`, () => {
      const { budget, invariants, shape } = KILLS[mutant];
      const out = fuzzCampaign(tendermint(mutant), { seed: 'kill', start: 0, end: budget, shrink: false, ...(shape ? { shape } : {}) });
      expect(out.failure, `survived ${budget} scenarios`).toBeDefined();
      expect(invariants).toContain(out.failure!.result.violation!.invariant);
    });
  }

  it('agreement alone (lock invariants switched off) catches the quorum bug end to end', () => {
    // Each property must fail on some mutant; this is the one agreement fails on first.
    // Runs to the kill on seeds agree, agree-1 .. agree-7: 346 73 221 236 79 316 89 203
    // (median 212, worst 346). With the RULES array reversed (a refactor Algorithm 1 allows):
    // 2033 29 1004 49 143 17 3225 1087 (median 1,004, worst 3,225): a budget of 2,000 failed
    // under that refactor, so the budget covers both orders: 8,000 >= 5x and 2x of either.
    const bare = { ...tendermint('quorum-too-small'), invariants: [] };
    const out = fuzzCampaign(bare, { seed: 'agree', start: 0, end: 8000, shrink: false });
    expect(out.failure?.result.violation?.invariant).toBe('agreement');
  });

  it('fast-check also kills and shrinks a mutant to a short counterexample', () => {
    // fast-check seeds 4..11: first failure at run 4 2 1 2 4 3 1 1 (worst 4; numRuns 200).
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
    // Seeds twins, twins-1 .. twins-7: 22 13 50 25 64 5 39 2 (median 24, worst 64; budget 2,000).
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

describe('tendermint rule coverage (sometimes-properties, src/protocols/tendermint/coverage.ts)', () => {
  // Measured (seed cov, default shape, n=4): 2,000 runs reach every rule; the rarest, L36 relock,
  // in 32 of them, L26/L32 in 65 (1 in 31 to 1 in 62). 1,000 runs from seed 'rules' give each
  // at least ~10 expected hits; at n=7 relocking was not reached in 2,000 runs (reported, not asserted).
  it('a campaign at n=4 reaches every upon-rule of Algorithm 1 at least once', () => {
    const out = fuzzCampaign(tendermint(), { seed: 'rules', start: 0, end: 1000, shape: { ...DEFAULT_SHAPE, sizes: [4] } });
    expect(out.failure).toBeUndefined();
    const names = tendermint().witnesses!.map((w) => w.name);
    expect(names.filter((n) => n.startsWith('L')).length).toBe(15);
    expect(names.filter((n) => !(out.witnessed[n]! > 0))).toEqual([]);
  });
});

describe('explain tags each reducer call with the rules it is an instance of', () => {
  it('the lock-ignored fixture: L22 prevotes, L57/L61 timeouts, the L36 lock, each on its own line', () => {
    const fx = readFixture(join(import.meta.dirname, '..', 'fixtures', 'tendermint', 'mutant-lock-ignored.json'));
    const t = timeline(tendermint('lock-ignored'), fx.config, fx.actions);
    const tagged = t.lines.filter((l) => l.includes('   · '));
    expect(tagged.some((l) => /node \d on PROPOSAL .*: propose -> prevote; sends PREVOTE .*   · L22-prevote-fresh-proposal$/.test(l))).toBe(true);
    expect(tagged.some((l) => /on timeoutPropose: .*   · L57-timeout-propose$/.test(l))).toBe(true);
    expect(tagged.some((l) => /lock none -> \S+@0; sends PRECOMMIT .*   · L36-lock-and-precommit/.test(l))).toBe(true);
    // Actions themselves are never tagged, only reducer calls (indented lines).
    expect(tagged.every((l) => l.startsWith('        node '))).toBe(true);
  });
});
