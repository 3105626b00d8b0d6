/**
 * The tape stage of the minimization pipeline (pipeline.ts): fast-check shrinks the choice
 * tape, and simplifyConfig cuts the config where the tape still fails under it.
 */
import fc from 'fast-check';
import type { ClusterConfig, Protocol } from '../core/types.ts';
import { defaultGstStepBound } from '../core/config.ts';
import { type Scenario, tapeArb } from '../adversary/arbitraries.ts';
import { type RunResult, runTape } from '../check/execute.ts';
import type { Priority } from '../adversary/priority.ts';
import { type Violation, violationKey } from '../check/invariants.ts';

export function sameFailure(v: Violation | undefined, key: string): boolean {
  return v !== undefined && violationKey(v) === key;
}

/** The tape entries a run actually read: one per action before GST (decoding may skip some, so an upper bound). */
export function consumedTape<S, M>(result: RunResult<S, M>, tape: readonly number[]): number[] {
  const gst = result.actions.findIndex((a) => a.kind === 'gst');
  // An exception may have been thrown while decoding the next entry (the Byzantine vocabulary): keep it.
  const extra = result.violation?.invariant === 'exception' ? 1 : 0;
  return tape.slice(0, gst < 0 ? result.actions.length + extra : gst);
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
): { tape: number[]; shrinks: number; runs: number } {
  const run = (t: readonly number[]) => runTape(protocol, cfg, t, { priority });
  const first = run(tape);
  if (first.violation === undefined) return { tape: [...tape], shrinks: 0, runs: 1 };
  // Entries after the failing step were never read: drop them before fast-check starts.
  const start = consumedTape(first, tape);
  const target = violationKey(first.violation);
  let tries = 0;
  const details = fc.check(
    // Shrink toward the same broken invariant, never drifting to another one.
    fc.property(tapeArb(Math.max(maxLength, start.length)), (t) => tries++ >= budget || !sameFailure(run(t).violation, target)),
    // The example counts as the one run; fast-check then shrinks it.
    { examples: [[start]], numRuns: 1, seed: 0 },
  );
  if (!details.failed || details.counterexample === null) return { tape: start, shrinks: 0, runs: tries + 1 };
  const shrunk = details.counterexample[0] ?? start;
  return { tape: consumedTape(run(shrunk), shrunk), shrinks: details.numShrinks, runs: Math.min(tries, budget) + 2 };
}

/**
 * Make a failing scenario's config simpler where the failure survives it: one height,
 * fault budgets cut to what the run used, no Byzantine nodes if none was needed. Each
 * candidate is kept only if the same invariant still breaks; deterministic and cheap.
 */
export function simplifyConfig<S, M>(protocol: Protocol<S, M>, scenario: Scenario): Scenario {
  const { priority } = scenario;
  const first = runTape(protocol, scenario.cfg, scenario.tape, { priority });
  if (first.violation === undefined) return scenario;
  const target = violationKey(first.violation);
  let cfg = scenario.cfg;
  const tryCfg = (candidate: ClusterConfig) => {
    // A priority order covers every instance: keep it only while the instance count stays.
    if (priority !== undefined && candidate.twins.length !== scenario.cfg.twins.length) return;
    if (sameFailure(runTape(protocol, candidate, scenario.tape, { priority }).violation, target)) cfg = candidate;
  };
  if (cfg.heights > 1) tryCfg({ ...cfg, heights: 1, gstStepBound: defaultGstStepBound(cfg.n, 1) });
  const used = runTape(protocol, cfg, scenario.tape, { priority }).world.used;
  const faults = { ...used };
  if (JSON.stringify(faults) !== JSON.stringify(cfg.faults)) tryCfg({ ...cfg, faults });
  if (cfg.byzantine.length > 0) tryCfg({ ...cfg, byzantine: [], twins: [], faults: { ...cfg.faults, injections: 0 } });
  return { ...scenario, cfg };
}
