/**
 * The one minimization pipeline every engine hands its failure to (issue 10): a failing
 * scenario (a tape) or a failing action list in, the shortest failing run found out, with a
 * report per stage.
 *
 *   tape      fast-check shrinks the choice tape; the config is cut where the tape still fails
 *             (tape-shrink.ts); a smaller cluster size from the shape's set is tried first
 *   slice     what the violating step cannot causally depend on goes (slice.ts, DEMi)
 *   ddmin     delta debugging over the adversary's actions before GST (actions.ts)
 *   timers    timer fires dropped, all at once, then node by node
 *   one-at-a-time
 *   config    Byzantine nodes and twins the run does not need, heights down to what the
 *             violation needs, fault budgets down to what the run used
 *
 * The scenario returned carries the final config and a tape that re-derives the minimized run
 * (encode.ts), so that an engine's (scenario, minimized run) pair always agrees.
 *
 * Every stage keeps a candidate only if the same invariant breaks (violationKey); lengths are
 * adversary actions (up to and including GST: the synchronous tail is the harness's).
 * Deterministic (no clock decides anything; times are only reported) and bounded: the tape
 * stage by PIPELINE_TAPE_BUDGET runs per shrink, the action stages by ACTION_BUDGET, the config stage by a few
 * runs per field.
 */
import type { ClusterConfig, Protocol } from '../core/types.ts';
import { clusterConfig, defaultGstStepBound } from '../core/config.ts';
import { maxFaulty } from '../core/quorum.ts';
import type { Action } from '../sim/actions.ts';
import type { Scenario } from '../adversary/arbitraries.ts';
import { type RunResult, runActions, runTape } from '../check/execute.ts';
import { violationKey } from '../check/invariants.ts';
import { ACTION_BUDGET, type StageReport, actionStages, adversaryLength, transplant } from './actions.ts';
import { encodeTape } from './encode.ts';
import { sameFailure, shrinkTape, simplifyConfig } from './tape-shrink.ts';

export type { StageReport } from './actions.ts';

export interface MinimizeOptions {
  /** Cluster sizes the search drew from (the shape's `sizes`): a smaller one that still fails is taken. */
  readonly sizes?: readonly number[];
  /** Longest tape fast-check may try (the shape's `maxTape`); default 80. */
  readonly maxTape?: number;
  /** Shrink the tape first (scenarios only). Default true. */
  readonly tape?: boolean;
  /** Simplify the config after the actions. Default true. */
  readonly config?: boolean;
  /** Candidate runs of the action stages. Default ACTION_BUDGET. */
  readonly budget?: number;
  /**
   * Keep the violation's detail too, not only its invariant (action stages only; used to
   * re-minimize fixtures whose story tells that detail).
   */
  readonly exact?: boolean;
  /** Candidate runs of each tape shrink. Default PIPELINE_TAPE_BUDGET. */
  readonly tapeBudget?: number;
}

/** A failing run given as an explicit action list (a fixture, an exhaustive counterexample). */
export interface ActionList<M> {
  readonly cfg: ClusterConfig;
  readonly actions: readonly Action<M>[];
}

export interface MinimizeResult<S, M> {
  /** The config of the result (the input's, unless the config stage found a simpler one). */
  readonly cfg: ClusterConfig;
  /**
   * The shrunk scenario, with `cfg`: its tape re-derives the minimized run (uniform delivery),
   * or where that run cannot be written as a tape, it is the tape stage's tape, which still
   * breaks the same invariant under `cfg`. Undefined for an action list that cannot be written.
   */
  readonly scenario: Scenario | undefined;
  /** The minimized failing run (the input run if it did not fail). */
  readonly result: RunResult<S, M>;
  readonly stages: readonly StageReport[];
}

/**
 * Runs of fast-check per tape shrink in the pipeline. Lower than SHRINK_BUDGET (3,000, the
 * tape shrink alone): the action stages after it do most of the cutting. Measured on the
 * Tendermint mutants at n=4 (seed "bench", loaded 2-core machine): 1,000 instead of 3,000
 * left the final lengths within 2 actions (pol-unchecked 20 vs 19, old-pol-accepted 39 vs 37,
 * lock-ignored 16 vs 15, decide-current-round-only 14 and 14) at a third of the time.
 */
export const PIPELINE_TAPE_BUDGET = 1000;

const lengthOf = <S, M>(r: RunResult<S, M>) => adversaryLength(r.actions as readonly Action<unknown>[]);

/** The same config at another size: Byzantine ids that fit (at most f), the post-GST bound rescaled if it was the default. */
function resized(cfg: ClusterConfig, n: number): ClusterConfig | undefined {
  const f = maxFaulty(n);
  if (f < 1 && cfg.byzantine.length > 0) return undefined;
  const byzantine = cfg.byzantine.filter((b) => b < n).slice(0, f);
  const gstStepBound = cfg.gstStepBound === defaultGstStepBound(cfg.n, cfg.heights) ? defaultGstStepBound(n, cfg.heights) : cfg.gstStepBound;
  return clusterConfig(n, {
    heights: cfg.heights,
    byzantine,
    twins: cfg.twins.filter((t) => byzantine.includes(t)),
    faults: { ...cfg.faults, injections: byzantine.length > 0 ? cfg.faults.injections : 0 },
    gstStepBound,
  });
}

/** A smaller size from `sizes` under which the tape breaks the same invariant, smallest first. */
function smallerSize<S, M>(protocol: Protocol<S, M>, sc: Scenario, key: string, sizes: readonly number[]): Scenario | undefined {
  for (const n of [...new Set(sizes)].filter((x) => x < sc.cfg.n).sort((a, b) => a - b)) {
    const cfg = resized(sc.cfg, n);
    // A priority order lists every instance: it does not carry over to another size.
    if (cfg === undefined || sc.priority !== undefined) continue;
    if (sameFailure(runTape(protocol, cfg, sc.tape).violation, key)) return { ...sc, cfg };
  }
  return undefined;
}

/** Simpler configs to try, in order; each is kept only if the run (and the tape, if any) still fails. */
function configCandidates(cfg: ClusterConfig, used: ClusterConfig['faults'], key: string): ((c: ClusterConfig) => ClusterConfig | undefined)[] {
  const noByzantine = (c: ClusterConfig) => c.byzantine.length === 0 ? undefined : { ...c, byzantine: [], twins: [], faults: { ...c.faults, injections: 0 } };
  const withoutNode = (b: number) => (c: ClusterConfig) => {
    if (!c.byzantine.includes(b) || c.byzantine.length < 2) return undefined;
    return { ...c, byzantine: c.byzantine.filter((x) => x !== b), twins: c.twins.filter((x) => x !== b) };
  };
  // The post-GST bound judges termination: never lowered for a termination failure.
  const atHeights = (h: number) => (c: ClusterConfig) => {
    if (h >= c.heights) return undefined;
    const bound = !key.startsWith('termination') && c.gstStepBound === defaultGstStepBound(c.n, c.heights) ? defaultGstStepBound(c.n, h) : c.gstStepBound;
    return { ...c, heights: h, gstStepBound: bound };
  };
  const budgets = (c: ClusterConfig) => {
    const faults = { ...used, injections: c.byzantine.length > 0 ? used.injections : 0 };
    return JSON.stringify(faults) === JSON.stringify(c.faults) ? undefined : { ...c, faults };
  };
  return [
    noByzantine,
    ...cfg.byzantine.map(withoutNode),
    ...Array.from({ length: cfg.heights - 1 }, (_x, i) => atHeights(i + 1)),
    budgets,
  ];
}

function configStage<S, M>(
  protocol: Protocol<S, M>,
  cfg: ClusterConfig,
  run: RunResult<S, M>,
  scenario: Scenario | undefined,
): { cfg: ClusterConfig; run: RunResult<S, M>; runs: number } {
  const key = violationKey(run.violation!);
  let runs = 0;
  let current = { cfg, run };
  for (const make of configCandidates(cfg, run.world.used, key)) {
    const candidate = make(current.cfg);
    if (candidate === undefined) continue;
    runs++;
    const r = transplant(protocol, current.cfg, current.run, candidate);
    if (!sameFailure(r.violation, key) || lengthOf(r) > lengthOf(current.run)) continue;
    // The scenario's tape must still re-derive a failure under the config it is stored with.
    if (scenario !== undefined) {
      runs++;
      if (!sameFailure(runTape(protocol, candidate, scenario.tape, { priority: scenario.priority }).violation, key)) continue;
    }
    current = { cfg: candidate, run: r };
  }
  return { ...current, runs };
}

/**
 * Minimize a failing scenario or action list. A run that does not fail is returned as it is,
 * with no stages.
 */
export function minimize<S, M>(protocol: Protocol<S, M>, input: Scenario | ActionList<M>, options: MinimizeOptions = {}): MinimizeResult<S, M> {
  const stages: StageReport[] = [];
  const timed = <T>(stage: string, before: number, run: () => T & { runs: number; after: number }): T => {
    const t0 = performance.now();
    const out = run();
    stages.push({ stage, before, after: out.after, runs: out.runs, ms: performance.now() - t0 });
    return out;
  };
  let scenario: Scenario | undefined = 'tape' in input ? input : undefined;
  let failing: RunResult<S, M> = scenario !== undefined
    ? runTape(protocol, scenario.cfg, scenario.tape, { priority: scenario.priority })
    : runActions(protocol, input.cfg, (input as ActionList<M>).actions);
  if (failing.violation === undefined) return { cfg: failing.world.cfg, scenario, result: failing, stages };
  const key = violationKey(failing.violation);
  if (scenario !== undefined && options.tape !== false) {
    const maxTape = options.maxTape ?? 80;
    const tapeBudget = options.tapeBudget ?? PIPELINE_TAPE_BUDGET;
    const out = timed('tape', lengthOf(failing), () => {
      let runs = 0;
      let sc: Scenario = scenario!;
      let base = failing;
      const smaller = options.sizes ? smallerSize(protocol, sc, key, options.sizes) : undefined;
      runs += options.sizes ? options.sizes.length : 0;
      if (smaller !== undefined) {
        sc = smaller;
        base = runTape(protocol, sc.cfg, sc.tape);
      }
      const shrunk = shrinkTape(protocol, sc.cfg, sc.tape, maxTape, tapeBudget, sc.priority);
      runs += shrunk.runs;
      // simplifyConfig: at most five runs.
      let next = simplifyConfig(protocol, { ...sc, tape: shrunk.tape });
      runs += 5;
      const resize = options.sizes && smaller === undefined ? smallerSize(protocol, next, key, options.sizes) : undefined;
      if (resize !== undefined) next = resize;
      // A simpler config (or size) can let the tape shrink further.
      if (next.cfg !== sc.cfg) {
        const again = shrinkTape(protocol, next.cfg, next.tape, maxTape, tapeBudget, sc.priority);
        runs += again.runs;
        next = { ...next, tape: again.tape };
      }
      const run = runTape(protocol, next.cfg, next.tape, { priority: next.priority });
      // Never longer than what came in (a simpler config can lengthen the run), unless smaller.
      if (lengthOf(run) > lengthOf(base) && next.cfg.n === sc.cfg.n) return { scenario: sc, run: base, runs, after: lengthOf(base) };
      return { scenario: next, run, runs, after: lengthOf(run) };
    });
    scenario = out.scenario;
    failing = out.run;
  }
  const cfg = failing.world.cfg;
  const actions = actionStages(protocol, cfg, failing, options.budget ?? ACTION_BUDGET, options.exact);
  stages.push(...actions.stages);
  let result = actions.result;
  let finalCfg = cfg;
  if (options.config !== false) {
    const out = timed('config', lengthOf(result), () => {
      let c = configStage(protocol, cfg, result, undefined);
      // The config is kept only with a tape that re-derives the run under it (encode.ts); where
      // no tape can be written, only configs under which the shrunk scenario's tape still fails.
      if (scenario !== undefined && c.cfg !== cfg && encodeTape(protocol, c.cfg, c.run.actions) === undefined) {
        const again = configStage(protocol, cfg, result, scenario);
        c = { ...again, runs: c.runs + again.runs };
      }
      return { ...c, after: lengthOf(c.run) };
    });
    result = out.run;
    finalCfg = out.cfg;
  }
  const tape = scenario === undefined ? encodeTape(protocol, finalCfg, result.actions) : undefined;
  const shrunk = scenario !== undefined ? shrunkScenario(protocol, scenario, finalCfg, result) : tape && { cfg: finalCfg, tape };
  return { cfg: finalCfg, scenario: shrunk, result, stages };
}

/**
 * The scenario to report: the minimized run written back as a tape (uniform delivery), so that
 * its tape re-derives the minimized run; else the tape stage's scenario, under the final config.
 */
function shrunkScenario<S, M>(protocol: Protocol<S, M>, scenario: Scenario, cfg: ClusterConfig, result: RunResult<S, M>): Scenario {
  const tape = encodeTape(protocol, cfg, result.actions);
  return tape === undefined ? { ...scenario, cfg } : { cfg, tape };
}
