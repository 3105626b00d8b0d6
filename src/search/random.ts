/**
 * The random strategies: uniform delivery, priority delivery (PCT-style, priority.ts) and
 * mixed (half each), all drawn by the seedrandom fuzzer (fuzzer.ts): scenario i of a seed is
 * a pure function of (seed, i), so nothing is learnt and any slice runs on its own (workers,
 * shards). fuzzCampaign is the campaign over them; distinctFailures groups a keep-going
 * campaign's failures and shrinks one of each class.
 */
import type { Protocol } from '../core/types.ts';
import { type Scenario, type ScenarioShape, DEFAULT_SHAPE } from '../adversary/arbitraries.ts';
import { fuzzScenario } from '../adversary/fuzzer.ts';
import { violationKey } from '../check/invariants.ts';
import { failingRun, shrinkScenario } from '../minimize/tape.ts';
import { type CampaignSlice, type Failure, type FuzzProgress, type RawFailure, type Scheduler, firstFailure, runSlice } from './scheduler.ts';

/** The scenarios of the seedrandom fuzzer, by index; the strategy is the shape's. */
export function randomScheduler(seed: string, shape: ScenarioShape = DEFAULT_SHAPE): Scheduler<null> {
  return {
    name: shape.strategy ?? 'uniform',
    roundSize: Number.POSITIVE_INFINITY,
    observes: false,
    maxTape: shape.maxTape,
    sizes: shape.sizes,
    covered: 0,
    scenario: (index) => fuzzScenario(seed, index, shape),
    novel: () => [],
    learn: () => null,
    apply: () => {},
  };
}

/**
 * The standalone fuzzer: scenarios from a seedrandom stream (index range start..end),
 * run through the same executor; the first failure is shrunk. With `keepGoing` the whole
 * range runs and every failing scenario is listed in `failures` (none is shrunk here:
 * distinctFailures groups and shrinks them).
 */
/** A campaign over scenario indices start..end of a seed (random and guided alike). */
export interface CampaignOptions {
  readonly seed: string;
  readonly start: number;
  readonly end: number;
  readonly shape?: ScenarioShape;
  readonly onProgress?: (p: FuzzProgress) => void;
  readonly progressEvery?: number;
  /** Shrink the first failure (default true); a kill check that only needs "found" can skip it. */
  readonly shrink?: boolean;
  /** Run the whole range and list every failing scenario instead of stopping at the first. */
  readonly keepGoing?: boolean;
  /** Wall-clock time (ms since epoch) after which no new scenario starts. */
  readonly deadline?: number | undefined;
}

export function fuzzCampaign<S, M>(protocol: Protocol<S, M>, options: CampaignOptions): CampaignSlice<S, M> {
  const shape = options.shape ?? DEFAULT_SHAPE;
  const scheduler = randomScheduler(options.seed, shape);
  const out = runSlice(protocol, scheduler, options);
  const raw = out.failures[0];
  let failure: Failure<S, M> | undefined;
  if (raw !== undefined) {
    const shrink = options.shrink !== false && !options.keepGoing;
    failure = firstFailure(protocol, scheduler.scenario(raw.index), raw.index - options.start + 1, { shrink, maxTape: shape.maxTape, sizes: shape.sizes });
  }
  return { failure, runs: out.runs, steps: out.steps, failures: out.failures, witnessed: out.witnessed };
}

/** A class of failures of one campaign: one invariant, one shape of detail; shrunk once. */
export interface DistinctFailure<S, M> {
  /** violationKey plus the violation's detail with numbers and ids masked. */
  readonly signature: string;
  /** How many scenarios of the campaign failed this way. */
  readonly occurrences: number;
  /** Scenario indices, lowest first (at most 10 kept). */
  readonly indices: readonly number[];
  /** The lowest-index representative, shrunk (undefined beyond `maxShrunk` classes). */
  readonly failure: Failure<S, M> | undefined;
}

/** Numbers and hex ids masked, so "node 2 round 3 v=ab12cd" and "node 1 round 5 v=99ffee" group. */
export function maskDetail(detail: string): string {
  // A "   · " suffix is commentary (a termination story's waiting-for sentences), not the failure's shape.
  return detail.replace(/   · .*$/s, '').replace(/\b[0-9a-f]{6,}\b/g, '#').replace(/\d+/g, '#');
}

/**
 * Group a campaign's failures (keep-going) by invariant and masked detail, shrink the
 * lowest-index failure of each class, and merge classes whose shrunk counterexamples
 * have the same signature. Deterministic: it depends only on the list, not on its order.
 * `scenarioAt` re-derives a failing index's scenario (default: the seedrandom fuzzer's; a
 * guided campaign passes its scheduler's).
 */
export function distinctFailures<S, M>(
  protocol: Protocol<S, M>,
  raw: readonly RawFailure[],
  options: { seed: string; start: number; shape?: ScenarioShape; maxShrunk?: number; scenarioAt?: (index: number) => Scenario; maxTape?: number },
): DistinctFailure<S, M>[] {
  const shape = options.shape ?? DEFAULT_SHAPE;
  const scenarioAt = options.scenarioAt ?? ((index: number) => fuzzScenario(options.seed, index, shape));
  const groups = new Map<string, RawFailure[]>();
  for (const f of [...raw].sort((a, b) => a.index - b.index)) {
    const sig = `${f.key}: ${maskDetail(f.detail)}`;
    const g = groups.get(sig);
    if (g === undefined) groups.set(sig, [f]);
    else g.push(f);
  }
  const classes = [...groups.entries()].sort((a, b) => a[1][0]!.index - b[1][0]!.index);
  const merged = new Map<string, { occurrences: number; indices: number[]; failure: Failure<S, M> | undefined }>();
  classes.forEach(([sig, members], k) => {
    let failure: Failure<S, M> | undefined;
    let signature = sig;
    if (k < (options.maxShrunk ?? 20)) {
      const { scenario, shrinks } = shrinkScenario(protocol, scenarioAt(members[0]!.index), options.maxTape ?? shape.maxTape, shape.sizes);
      const result = failingRun(protocol, scenario);
      failure = { scenario, result, runsToFailure: members[0]!.index - options.start + 1, shrinks };
      if (result.violation !== undefined) signature = `${violationKey(result.violation)}: ${maskDetail(result.violation.detail)}`;
    }
    const prior = merged.get(signature);
    if (prior === undefined) merged.set(signature, { occurrences: members.length, indices: members.slice(0, 10).map((m) => m.index), failure });
    else {
      prior.occurrences += members.length;
      prior.indices = [...prior.indices, ...members.map((m) => m.index)].sort((a, b) => a - b).slice(0, 10);
    }
  });
  return [...merged.entries()].map(([signature, c]) => ({ signature, ...c }));
}
