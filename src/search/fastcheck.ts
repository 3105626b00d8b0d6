/**
 * The fast-check engine: fast-check generates uniform scenarios (scenarioArb), runs each,
 * and shrinks the first failing one with its own shrinker; the run is then minimized by the
 * one pipeline (src/minimize/tape.ts failingRun). Replayable by fast-check's seed and path.
 */
import fc from 'fast-check';
import type { Protocol } from '../core/types.ts';
import { type ScenarioShape, DEFAULT_SHAPE, scenarioArb } from '../adversary/arbitraries.ts';
import { runTape } from '../check/execute.ts';
import { failingRun } from '../minimize/tape.ts';
import type { Failure } from './scheduler.ts';

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
