import fc from 'fast-check';
import type { ClusterConfig, FaultBudget } from '../core/types.ts';
import { clusterConfig } from '../core/config.ts';
import { maxFaulty } from '../core/quorum.ts';
import type { Priority } from './priority.ts';

/** Upper bound of one tape integer: large enough to index any enabled action list we build. */
export const TAPE_VALUE_MAX = 0xffff;

/**
 * A choice tape. fast-check shrinks it by removing entries (fewer adversarial steps, an
 * earlier GST) and by lowering values toward 0 (toward "deliver the oldest message").
 */
export function tapeArb(maxLength: number): fc.Arbitrary<number[]> {
  // size 'max': lengths spread over 0..maxLength (fast-check's default size keeps arrays near 10).
  return fc.array(fc.nat({ max: TAPE_VALUE_MAX }), { maxLength, size: 'max' });
}

export interface ScenarioShape {
  /** Cluster sizes to draw from (each must allow f >= 0). */
  readonly sizes: readonly number[];
  /** Upper bounds of each fault kind per run; each run draws 0..max (swarm testing by budget). */
  readonly maxFaults: Partial<FaultBudget>;
  /** Allow Byzantine nodes (up to f of them, at any position). */
  readonly byzantine: boolean;
  /** Let Byzantine nodes run as Twins (two honest instances of one identity) instead of injecting. */
  readonly twins?: boolean;
  /**
   * How "deliver" picks its message: uniform (by the tape), priority (PCT-style node
   * priorities, see priority.ts), or mixed (half the scenarios each). Only the seedrandom
   * fuzzer draws priorities; fast-check scenarios are uniform.
   */
  readonly strategy?: 'uniform' | 'priority' | 'mixed';
  /**
   * Byzantine behaviour that persists after GST, and VOPR's core: the tape also chooses, at
   * GST, how each Byzantine node behaves from then on (honest, silent, selective, equivocating,
   * delayed) and possibly a core of n - f correct nodes that must decide while the others stay
   * cut off (adversary/decode.ts gstChoice). Off by default: it sets cfg.postGst, draws nothing
   * more, and the tape decodes as before; only the GST action (and so what is found) changes,
   * so existing seeds keep finding what they found.
   */
  readonly postGst?: boolean;
  /**
   * Exactly this many Byzantine nodes in every scenario, instead of 0..f drawn per run; above f
   * only on purpose (accountability: agreement may break, at least f+1 culprits must be proven).
   * Absent: the scenarios of a seed are exactly what they always were.
   */
  readonly byzantineCount?: number;
  /**
   * The share (0..1) of tape entries that are 0, "deliver the next message" (the oldest one, or
   * the priority strategy's pick; a timer only when nothing is in flight): timeouts and faults
   * come less often between deliveries, as when timeouts are long compared to message delays.
   * Attacks that need a run of protocol steps between a few adversarial choices (the invalid
   * committed seal attack on IBFT, properties/ibft.test.ts) are found far sooner. Drawn from a
   * stream of its own (seedrandom of `seed/index/deliver`) over the tape the seed always drew:
   * absent, every scenario of a seed is what it always was. The seedrandom fuzzer only.
   */
  readonly deliverShare?: number;
  readonly maxHeights: number;
  readonly maxTape: number;
}

export const DEFAULT_SHAPE: ScenarioShape = {
  sizes: [4],
  maxFaults: { drops: 3, duplicates: 3, crashes: 1, partitions: 1, injections: 6 },
  byzantine: true,
  maxHeights: 2,
  maxTape: 80,
};

export interface Scenario {
  readonly cfg: ClusterConfig;
  readonly tape: readonly number[];
  /** Priority delivery for this scenario, if its strategy drew one. */
  readonly priority?: Priority;
}

/**
 * Cluster configurations that shrink toward the simplest: the first size, no Byzantine
 * nodes, no fault budget, one height.
 */
export function configArb(shape: ScenarioShape = DEFAULT_SHAPE): fc.Arbitrary<ClusterConfig> {
  const budget = (k: keyof FaultBudget) => fc.nat({ max: shape.maxFaults[k] ?? 0 });
  return fc
    .record({
      n: fc.constantFrom(...shape.sizes),
      heights: fc.integer({ min: 1, max: shape.maxHeights }),
      byzantineSeed: fc.array(fc.nat(), { maxLength: shape.byzantine ? 8 : 0 }),
      twins: fc.boolean(),
      drops: budget('drops'),
      duplicates: budget('duplicates'),
      crashes: budget('crashes'),
      partitions: budget('partitions'),
      injections: budget('injections'),
      // Only in shapes with reboots: the others generate the configs they always did.
      ...((shape.maxFaults.reboots ?? 0) > 0 ? { reboots: budget('reboots') } : {}),
    })
    .map((r) => {
      const f = maxFaulty(r.n);
      // Byzantine ids: distinct, at most f, drawn from the seed list so that shrinking empties it.
      const byzantine: number[] = [];
      for (const x of r.byzantineSeed) {
        if (byzantine.length >= (shape.byzantineCount ?? f)) break;
        const id = x % r.n;
        if (!byzantine.includes(id)) byzantine.push(id);
      }
      // An explicit count is exact: fill up with the lowest free ids.
      for (let id = 0; shape.byzantineCount !== undefined && byzantine.length < shape.byzantineCount && id < r.n; id++) if (!byzantine.includes(id)) byzantine.push(id);
      return clusterConfig(r.n, {
        ...(shape.postGst === true ? { postGst: true } : {}),
        ...(byzantine.length > f ? { beyondF: true } : {}),
        heights: r.heights,
        byzantine,
        twins: shape.twins && r.twins ? byzantine : [],
        faults: {
          drops: r.drops,
          duplicates: r.duplicates,
          crashes: r.crashes,
          partitions: r.partitions,
          injections: byzantine.length > 0 ? r.injections : 0,
          ...('reboots' in r ? { reboots: r.reboots as number } : {}),
        },
      });
    });
}

export function scenarioArb(shape: ScenarioShape = DEFAULT_SHAPE): fc.Arbitrary<Scenario> {
  return fc.record({ cfg: configArb(shape), tape: tapeArb(shape.maxTape) });
}
