/**
 * The clusters and tapes the HotStuff suites (hotstuff.test.ts, hotstuff-variants.test.ts)
 * run: one definition, so the variants are judged on the schedules libra is.
 */
import { tapeArb } from '../src/adversary/arbitraries.ts';
import { NO_FAULTS, clusterConfig } from '../src/core/config.ts';
import type { ClusterConfig, FaultBudget, NodeId } from '../src/core/types.ts';

export const TAPE = tapeArb(80);
/** Forks certified in non-consecutive views need about seven views before GST: longer tapes. */
export const LONG_TAPE = tapeArb(200);
export const SEED = 42;

export function cluster(n: number, heights: number, faults: Partial<FaultBudget>, byzantine: NodeId[] = [], twins: NodeId[] = []): ClusterConfig {
  return clusterConfig(n, { heights, byzantine, twins, faults: { ...NO_FAULTS, ...faults } });
}

export const N4 = cluster(4, 2, { drops: 6, duplicates: 3, crashes: 1, partitions: 1 });
export const N4_DROPS = cluster(4, 2, { drops: 10 });
export const N4_BYZ = cluster(4, 2, { drops: 6, duplicates: 3, crashes: 1, partitions: 1, injections: 8 }, [3]);
export const N4_BYZ_LEADER0 = cluster(4, 3, { drops: 10, duplicates: 3, crashes: 1, partitions: 2, injections: 20 }, [0]);
export const N4_TWINS = cluster(4, 2, { drops: 4, partitions: 3 }, [2], [2]);
export const N7_BYZ = cluster(7, 2, { drops: 8, duplicates: 3, crashes: 1, partitions: 1, injections: 10 }, [0, 4]);

