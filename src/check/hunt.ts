import fc from 'fast-check';
import type { ClusterConfig, Protocol } from '../core/types.ts';
import { defaultGstStepBound } from '../core/config.ts';
import { type Scenario, type ScenarioShape, DEFAULT_SHAPE, scenarioArb, tapeArb } from '../adversary/arbitraries.ts';
import { fuzzScenario } from '../adversary/fuzzer.ts';
import { type RunResult, runTape } from './execute.ts';
import type { Priority } from '../adversary/priority.ts';

export interface Failure<S, M> {
  /** The shrunk scenario. */
  readonly scenario: Scenario;
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
    result: runTape(protocol, scenario.cfg, scenario.tape, { priority: scenario.priority }),
    runsToFailure: firstFailureAt,
    shrinks: details.numShrinks,
    seed: details.seed,
    path: details.counterexamplePath ?? undefined,
  };
}

/** The tape entries a run actually read: one per action before GST. */
export function consumedTape<S, M>(result: RunResult<S, M>, tape: readonly number[]): number[] {
  const gst = result.actions.findIndex((a) => a.kind === 'gst');
  return tape.slice(0, gst < 0 ? result.actions.length : gst);
}

/**
 * Default bound on scenarios tried while shrinking. Shrinking stops improving after it
 * (the candidates left are reported as passing), so the result is deterministic and the
 * time bounded; most of the gain comes early, from cutting the tape.
 */
export const SHRINK_BUDGET = 3000;

/** Shrink a failing tape for a fixed config with fast-check (the tape is given as an example). */
export function shrinkTape<S, M>(
  protocol: Protocol<S, M>,
  cfg: ClusterConfig,
  tape: readonly number[],
  maxLength: number,
  budget = SHRINK_BUDGET,
  priority?: Priority,
): { tape: number[]; shrinks: number } {
  const run = (t: readonly number[]) => runTape(protocol, cfg, t, { priority });
  const first = run(tape);
  if (first.violation === undefined) return { tape: [...tape], shrinks: 0 };
  // Entries after the failing step were never read: drop them before fast-check starts.
  const start = consumedTape(first, tape);
  const target = first.violation.invariant;
  let tries = 0;
  const details = fc.check(
    // Shrink toward the same broken invariant, never drifting to another one.
    fc.property(tapeArb(Math.max(maxLength, start.length)), (t) => tries++ >= budget || run(t).violation?.invariant !== target),
    // The example counts as the one run; fast-check then shrinks it.
    { examples: [[start]], numRuns: 1, seed: 0 },
  );
  if (!details.failed || details.counterexample === null) return { tape: start, shrinks: 0 };
  const shrunk = details.counterexample[0] ?? start;
  return { tape: consumedTape(run(shrunk), shrunk), shrinks: details.numShrinks };
}

/**
 * Make a failing scenario's config simpler where the failure survives it: one height,
 * fault budgets cut to what the run used, no Byzantine nodes if none was needed. Each
 * candidate is kept only if the same invariant still breaks; deterministic and cheap.
 */
export function simplifyConfig<S, M>(protocol: Protocol<S, M>, scenario: Scenario): Scenario {
  const { priority } = scenario;
  const first = runTape(protocol, scenario.cfg, scenario.tape, { priority });
  const target = first.violation?.invariant;
  if (target === undefined) return scenario;
  let cfg = scenario.cfg;
  const tryCfg = (candidate: ClusterConfig) => {
    // A priority order covers every instance: keep it only while the instance count stays.
    if (priority !== undefined && candidate.twins.length !== scenario.cfg.twins.length) return;
    if (runTape(protocol, candidate, scenario.tape, { priority }).violation?.invariant === target) cfg = candidate;
  };
  if (cfg.heights > 1) tryCfg({ ...cfg, heights: 1, gstStepBound: defaultGstStepBound(cfg.n, 1) });
  const used = runTape(protocol, cfg, scenario.tape, { priority }).world.used;
  const faults = { ...used };
  if (JSON.stringify(faults) !== JSON.stringify(cfg.faults)) tryCfg({ ...cfg, faults });
  if (cfg.byzantine.length > 0) tryCfg({ ...cfg, byzantine: [], twins: [], faults: { ...cfg.faults, injections: 0 } });
  return { ...scenario, cfg };
}

export interface FuzzProgress {
  readonly done: number;
  readonly total: number;
  readonly steps: number;
}

/**
 * The standalone fuzzer: scenarios from a seedrandom stream (index range start..end),
 * run through the same executor; the first failure is shrunk by fast-check.
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
  },
): { failure: Failure<S, M> | undefined; runs: number; steps: number } {
  const shape = options.shape ?? DEFAULT_SHAPE;
  let steps = 0;
  const every = options.progressEvery ?? 1000;
  for (let i = options.start; i < options.end; i++) {
    const sc = fuzzScenario(options.seed, i, shape);
    const r = runTape(protocol, sc.cfg, sc.tape, { priority: sc.priority });
    steps += r.actions.length;
    if (r.violation !== undefined) {
      let scenario: Scenario = sc;
      let shrinks = 0;
      if (options.shrink !== false) {
        const shrunk = shrinkTape(protocol, sc.cfg, sc.tape, shape.maxTape, SHRINK_BUDGET, sc.priority);
        scenario = simplifyConfig(protocol, { ...sc, tape: shrunk.tape });
        // A simpler config can let the tape shrink further.
        const again = scenario.cfg === sc.cfg ? shrunk : shrinkTape(protocol, scenario.cfg, scenario.tape, shape.maxTape, SHRINK_BUDGET, sc.priority);
        scenario = { ...scenario, tape: again.tape };
        shrinks = shrunk.shrinks + (again === shrunk ? 0 : again.shrinks);
      }
      return {
        failure: { scenario, result: runTape(protocol, scenario.cfg, scenario.tape, { priority: scenario.priority }), runsToFailure: i - options.start + 1, shrinks },
        runs: i - options.start + 1,
        steps,
      };
    }
    const done = i - options.start + 1;
    if (options.onProgress && done % every === 0) options.onProgress({ done, total: options.end - options.start, steps });
  }
  return { failure: undefined, runs: options.end - options.start, steps };
}
