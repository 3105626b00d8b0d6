/**
 * Quorum sizes. Every protocol takes its thresholds from here, never inline.
 *
 * With n nodes of which at most f are faulty, a quorum q must (a) intersect any other
 * quorum in at least one correct node: 2q - n > f, and (b) be reachable by the correct
 * nodes alone: q <= n - f. The smallest q with (a) is floor((n + f) / 2) + 1, which is
 * 2f + 1 when n = 3f + 1 (Buchman, Kwon, Milosevic, section 2).
 */
export function quorum(n: number, f: number): number {
  return Math.floor((n + f) / 2) + 1;
}

/** f + 1: at least one correct node is among them (round skip, L55). */
export function weakQuorum(f: number): number {
  return f + 1;
}

/** The largest f that n nodes tolerate: n >= 3f + 1. */
export function maxFaulty(n: number): number {
  return Math.floor((n - 1) / 3);
}
