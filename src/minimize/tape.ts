/**
 * What the search engines call to shrink a failure (the engines in
 * search/): both go through the one pipeline (pipeline.ts). The tape-shrink primitives live
 * in tape-shrink.ts and are re-exported here for existing callers.
 */
import type { Protocol } from '../core/types.ts';
import type { Scenario } from '../adversary/arbitraries.ts';
import type { RunResult } from '../check/execute.ts';
import { minimize } from './pipeline.ts';

export { SHRINK_BUDGET, consumedTape, sameFailure, shrinkTape, simplifyConfig } from './tape-shrink.ts';

/**
 * The minimized run of each scenario shrinkScenario returned, so that failingRun does not
 * minimize it again (the pipeline is deterministic: this only saves time).
 */
const minimized = new WeakMap<Scenario, { protocol: Protocol<unknown, unknown>; result: RunResult<unknown, unknown> }>();

/**
 * The run a shrunk scenario's failure is reported with: its tape's run, action list minimized,
 * under the scenario's own config (the config is never changed here).
 */
export function failingRun<S, M>(protocol: Protocol<S, M>, scenario: Scenario): RunResult<S, M> {
  const known = minimized.get(scenario);
  if (known !== undefined && known.protocol === protocol) return known.result as RunResult<S, M>;
  return minimize(protocol, scenario, { tape: false, config: false }).result;
}

/**
 * Shrink a failing scenario through the whole pipeline (tape, actions, config). The returned
 * scenario carries the final config, under which its tape still fails; failingRun(protocol,
 * scenario) then gives the minimized run. `shrinks` counts candidate runs of every stage.
 * `sizes` (the shape's cluster sizes): a smaller one under which the tape still fails is taken.
 */
export function shrinkScenario<S, M>(protocol: Protocol<S, M>, sc: Scenario, maxTape: number, sizes?: readonly number[]): { scenario: Scenario; shrinks: number } {
  const m = minimize(protocol, sc, { maxTape, ...(sizes !== undefined ? { sizes } : {}) });
  const scenario = m.scenario ?? sc;
  minimized.set(scenario, { protocol: protocol as Protocol<unknown, unknown>, result: m.result as RunResult<unknown, unknown> });
  return { scenario, shrinks: m.stages.reduce((a, s) => a + s.runs, 0) };
}
