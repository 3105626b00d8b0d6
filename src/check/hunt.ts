import fc from 'fast-check';
import type { Protocol } from '../core/types.ts';
import { type Scenario, type ScenarioShape, DEFAULT_SHAPE, scenarioArb } from '../adversary/arbitraries.ts';
import { fuzzScenario } from '../adversary/fuzzer.ts';
import { type RunResult, runTape } from './execute.ts';
import { violationKey } from './invariants.ts';
import { failingRun, shrinkScenario } from '../minimize/tape.ts';

// The shrink stages live in src/minimize/ (one pipeline for every engine); re-exported for callers.
export { SHRINK_BUDGET, consumedTape, shrinkScenario, shrinkTape, simplifyConfig } from '../minimize/tape.ts';

export interface Failure<S, M> {
  /** The shrunk scenario (its tape re-derives the run before action minimization). */
  readonly scenario: Scenario;
  /** The failing run: after shrinking, the minimized action list (src/minimize/actions.ts). */
  readonly result: RunResult<S, M>;
  /** Scenarios run before the first failure (1-based index of the failing one). */
  readonly runsToFailure: number;
  /** Scenarios tried while shrinking. */
  readonly shrinks: number;
  /** fast-check replay handles (seed and path), when fast-check drove the search. */
  readonly seed?: number;
  readonly path?: string;
}

/**
 * Search with fast-check: generate scenarios, run each, shrink the first failing one.
 * Returns undefined if every scenario passed.
 */
export function huntWithFastCheck<S, M>(
  protocol: Protocol<S, M>,
  options: { seed: number; numRuns: number; shape?: ScenarioShape; path?: string },
): Failure<S, M> | undefined {
  let runs = 0;
  let firstFailureAt = 0;
  const details = fc.check(
    fc.property(scenarioArb(options.shape ?? DEFAULT_SHAPE), (sc) => {
      runs++;
      const bad = runTape(protocol, sc.cfg, sc.tape, { priority: sc.priority }).violation !== undefined;
      if (bad && firstFailureAt === 0) firstFailureAt = runs;
      return !bad;
    }),
    { seed: options.seed, numRuns: options.numRuns, ...(options.path !== undefined ? { path: options.path } : {}) },
  );
  if (!details.failed || details.counterexample === null) return undefined;
  const [scenario] = details.counterexample;
  return {
    scenario,
    result: failingRun(protocol, scenario),
    runsToFailure: firstFailureAt,
    shrinks: details.numShrinks,
    seed: details.seed,
    path: details.counterexamplePath ?? undefined,
  };
}

export interface FuzzProgress {
  readonly done: number;
  readonly total: number;
  readonly steps: number;
}

/** A failing scenario of a campaign, before shrinking: enough to find it again and group it. */
export interface RawFailure {
  /** Scenario index in the campaign's seed stream. */
  readonly index: number;
  /** violationKey of its violation. */
  readonly key: string;
  readonly detail: string;
}

/**
 * The standalone fuzzer: scenarios from a seedrandom stream (index range start..end),
 * run through the same executor; the first failure is shrunk. With `keepGoing` the whole
 * range runs and every failing scenario is listed in `failures` (none is shrunk here:
 * distinctFailures groups and shrinks them).
 */
export function fuzzCampaign<S, M>(
  protocol: Protocol<S, M>,
  options: {
    seed: string;
    start: number;
    end: number;
    shape?: ScenarioShape;
    onProgress?: (p: FuzzProgress) => void;
    progressEvery?: number;
    /** Shrink the first failure (default true); a kill check that only needs "found" can skip it. */
    shrink?: boolean;
    /** Run the whole range and list every failing scenario instead of stopping at the first. */
    keepGoing?: boolean;
    /** Wall-clock time (ms since epoch) after which no new scenario starts. */
    deadline?: number | undefined;
  },
): CampaignSlice<S, M> {
  const shape = options.shape ?? DEFAULT_SHAPE;
  let steps = 0;
  const witnessed: Record<string, number> = Object.fromEntries((protocol.witnesses ?? []).map((w) => [w.name, 0]));
  const every = options.progressEvery ?? 1000;
  const failures: RawFailure[] = [];
  let first: Failure<S, M> | undefined;
  for (let i = options.start; i < options.end; i++) {
    // A time budget ends the slice early; checked every 64 scenarios (Date.now is not free).
    if (options.deadline !== undefined && (i - options.start) % 64 === 0 && i > options.start && Date.now() >= options.deadline) {
      return { failure: first, runs: i - options.start, steps, failures, witnessed };
    }
    const sc = fuzzScenario(options.seed, i, shape);
    const r = runTape(protocol, sc.cfg, sc.tape, { priority: sc.priority });
    steps += r.actions.length;
    for (const name of r.witnessed) witnessed[name]!++;
    if (r.violation !== undefined) {
      failures.push({ index: i, key: violationKey(r.violation), detail: r.violation.detail });
      if (first === undefined) {
        let scenario: Scenario = sc;
        let shrinks = 0;
        if (options.shrink !== false && !options.keepGoing) ({ scenario, shrinks } = shrinkScenario(protocol, sc, shape.maxTape));
        const result = scenario === sc ? r : failingRun(protocol, scenario);
        first = { scenario, result, runsToFailure: i - options.start + 1, shrinks };
      }
      if (!options.keepGoing) return { failure: first, runs: i - options.start + 1, steps, failures, witnessed };
    }
    const done = i - options.start + 1;
    if (options.onProgress && done % every === 0) options.onProgress({ done, total: options.end - options.start, steps });
  }
  return { failure: first, runs: options.end - options.start, steps, failures, witnessed };
}

/** What one campaign (or one slice of it) found. */
export interface CampaignSlice<S, M> {
  /** The first failure (shrunk unless asked not to, or keep-going). */
  readonly failure: Failure<S, M> | undefined;
  readonly runs: number;
  readonly steps: number;
  /** Every failing scenario when keep-going; else the first one only. */
  readonly failures: RawFailure[];
  /** For each witness of the protocol, in how many runs it was reached. */
  readonly witnessed: Record<string, number>;
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
  return detail.replace(/\b[0-9a-f]{6,}\b/g, '#').replace(/\d+/g, '#');
}

/**
 * Group a campaign's failures (keep-going) by invariant and masked detail, shrink the
 * lowest-index failure of each class, and merge classes whose shrunk counterexamples
 * have the same signature. Deterministic: it depends only on the list, not on its order.
 */
export function distinctFailures<S, M>(
  protocol: Protocol<S, M>,
  raw: readonly RawFailure[],
  options: { seed: string; start: number; shape?: ScenarioShape; maxShrunk?: number },
): DistinctFailure<S, M>[] {
  const shape = options.shape ?? DEFAULT_SHAPE;
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
      const sc = fuzzScenario(options.seed, members[0]!.index, shape);
      const { scenario, shrinks } = shrinkScenario(protocol, sc, shape.maxTape);
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
