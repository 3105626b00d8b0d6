/**
 * Runs to the first kill, for kill budgets: scenario i of `seed` is fuzzScenario(seed, i,
 * shape), exactly the scenario `fuzz` runs as its i-th, checked with `check` and not
 * shrunk (a budget needs only the count; fuzz would shrink the first failure too).
 */
import { DEFAULT_SHAPE, type Protocol, type ScenarioShape, check, fuzzScenario } from 'consensus-harness';

/** fuzz merges a partial shape into DEFAULT_SHAPE this way (api/campaign.ts); so do we. */
export function fullShape(shape: Partial<ScenarioShape> = {}): ScenarioShape {
  return { ...DEFAULT_SHAPE, ...shape, maxFaults: { ...DEFAULT_SHAPE.maxFaults, ...shape.maxFaults } };
}

export function runsToKill<S, M>(protocol: Protocol<S, M>, seed: string, shape: ScenarioShape, budget: number): { runs: number; invariant: string | undefined } {
  for (let i = 0; i < budget; i++) {
    const v = check(protocol, fuzzScenario(seed, i, shape)).violation;
    if (v !== undefined) return { runs: i + 1, invariant: v.invariant };
  }
  return { runs: budget, invariant: undefined };
}
