import seedrandom from 'seedrandom';
import type { ClusterConfig, FaultBudget } from '../core/types.ts';
import { clusterConfig } from '../core/config.ts';
import { maxFaulty } from '../core/quorum.ts';
import { DEFAULT_SHAPE, type Scenario, type ScenarioShape, TAPE_VALUE_MAX } from './arbitraries.ts';

/**
 * The standalone fuzzer's generator: the same scenario shape as the fast-check
 * arbitraries, drawn from a seedrandom stream. Scenario i of seed s is a pure function
 * of (s, i), so any one of them can be regenerated without the others (sharding).
 */
export function fuzzScenario(seed: string, index: number, shape: ScenarioShape = DEFAULT_SHAPE): Scenario {
  const rng = seedrandom(`${seed}/${index}`);
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const n = shape.sizes[int(0, shape.sizes.length - 1)]!;
  const f = maxFaulty(n);
  const byzantine: number[] = [];
  if (shape.byzantine) {
    // An explicit count (accountability runs may go past f) is not drawn: a seed's other draws stay as they were.
    const count = shape.byzantineCount ?? int(0, f);
    while (byzantine.length < count) {
      const id = int(0, n - 1);
      if (!byzantine.includes(id)) byzantine.push(id);
    }
  }
  const budget = (k: keyof FaultBudget) => int(0, shape.maxFaults[k] ?? 0);
  const faults: FaultBudget = {
    drops: budget('drops'),
    duplicates: budget('duplicates'),
    crashes: budget('crashes'),
    partitions: budget('partitions'),
    injections: byzantine.length > 0 ? budget('injections') : 0,
    // Drawn only by shapes with reboots, so that the others generate the scenarios they always did.
    ...((shape.maxFaults.reboots ?? 0) > 0 ? { reboots: budget('reboots') } : {}),
  };
  const heights = int(1, shape.maxHeights);
  // Drawn last, so that shapes without twins generate exactly the scenarios they always did.
  const twins = shape.twins && byzantine.length > 0 && int(0, 1) === 1 ? byzantine : [];
  // postGst draws nothing: the scenarios of a seed are the same with it or without it.
  const cfg: ClusterConfig = clusterConfig(n, { heights, byzantine, twins, faults, ...(shape.postGst === true ? { postGst: true } : {}), ...(byzantine.length > f ? { beyondF: true } : {}) });
  const length = int(0, shape.maxTape);
  const drawn = Array.from({ length }, () => int(0, TAPE_VALUE_MAX));
  const tape = shape.deliverShare === undefined ? drawn : quieter(drawn, shape.deliverShare, seedrandom(`${seed}/${index}/deliver`));
  const strategy = shape.strategy ?? 'uniform';
  if (strategy === 'uniform' || (strategy === 'mixed' && rng() < 0.5)) return { cfg, tape };
  // Drawn after everything else: the uniform scenarios of a seed are the same whatever the strategy.
  const order = Array.from({ length: cfg.n + cfg.twins.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const changes = Array.from({ length: int(1, 3) }, () => int(0, Math.max(0, length - 1)));
  return { cfg, tape, priority: { order, changes } };
}

/** The tape with each entry set to 0 ("deliver the next message") with probability `share` (ScenarioShape.deliverShare). */
function quieter(tape: readonly number[], share: number, rng: () => number): number[] {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`deliverShare: expected a number from 0 to 1, got ${share}`);
  return tape.map((x) => (rng() < share ? 0 : x));
}
