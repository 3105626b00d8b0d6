import fc from 'fast-check';
import type { ClusterConfig, Protocol } from '../core/types.ts';
import { defaultGstStepBound } from '../core/config.ts';
import { type Scenario, type ScenarioShape, DEFAULT_SHAPE, scenarioArb, tapeArb } from '../adversary/arbitraries.ts';
import { fuzzScenario } from '../adversary/fuzzer.ts';
import { type RunResult, runTape } from './execute.ts';
import type { Priority } from '../adversary/priority.ts';
import { type Violation, violationKey } from './invariants.ts';
import { minimizeActions } from '../minimize/actions.ts';

/** The run a shrunk scenario's failure is reported with: its tape's run, action list minimized. */
function failingRun<S, M>(protocol: Protocol<S, M>, scenario: Scenario): RunResult<S, M> {
  return minimizeActions(protocol, scenario.cfg, runTape(protocol, scenario.cfg, scenario.tape, { priority: scenario.priority })).result;
}

function sameFailure(v: Violation | undefined, key: string): boolean {
  return v !== undefined && violationKey(v) === key;
}

export interface Failure<S, M> {
  /** The shrunk scenario (its tape re-derives the run before action minimization). */
  readonly scenario: Scenario;
  /** The failing run: after shrinking, the minimized action list (src/minimize/actions.ts). */
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
    result: failingRun(protocol, scenario),
    runsToFailure: firstFailureAt,
    shrinks: details.numShrinks,
    seed: details.seed,
    path: details.counterexamplePath ?? undefined,
  };
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
): { tape: number[]; shrinks: number } {
  const run = (t: readonly number[]) => runTape(protocol, cfg, t, { priority });
  const first = run(tape);
  if (first.violation === undefined) return { tape: [...tape], shrinks: 0 };
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

export interface FuzzProgress {
  readonly done: number;
  readonly total: number;
  readonly steps: number;
}

/** A failing scenario of a campaign, before shrinking: enough to find it again and group it. */
export interface RawFailure {
  /** Scenario index in the campaign's seed stream. */
  readonly index: number;
  /** violationKey of its violation. */
  readonly key: string;
  readonly detail: string;
}

/** Shrink a failing scenario: the tape, then the config, then the tape again if the config changed. */
export function shrinkScenario<S, M>(protocol: Protocol<S, M>, sc: Scenario, maxTape: number): { scenario: Scenario; shrinks: number } {
  const shrunk = shrinkTape(protocol, sc.cfg, sc.tape, maxTape, SHRINK_BUDGET, sc.priority);
  let scenario = simplifyConfig(protocol, { ...sc, tape: shrunk.tape });
  // A simpler config can let the tape shrink further.
  const again = scenario.cfg === sc.cfg ? shrunk : shrinkTape(protocol, scenario.cfg, scenario.tape, maxTape, SHRINK_BUDGET, sc.priority);
  scenario = { ...scenario, tape: again.tape };
  return { scenario, shrinks: shrunk.shrinks + (again === shrunk ? 0 : again.shrinks) };
}

/**
 * The standalone fuzzer: scenarios from a seedrandom stream (index range start..end),
 * run through the same executor; the first failure is shrunk. With `keepGoing` the whole
 * range runs and every failing scenario is listed in `failures` (none is shrunk here:
 * distinctFailures groups and shrinks them).
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
    /** Run the whole range and list every failing scenario instead of stopping at the first. */
    keepGoing?: boolean;
    /** Wall-clock time (ms since epoch) after which no new scenario starts. */
    deadline?: number | undefined;
  },
): CampaignSlice<S, M> {
  const shape = options.shape ?? DEFAULT_SHAPE;
  let steps = 0;
  const witnessed: Record<string, number> = Object.fromEntries((protocol.witnesses ?? []).map((w) => [w.name, 0]));
  const every = options.progressEvery ?? 1000;
  const failures: RawFailure[] = [];
  let first: Failure<S, M> | undefined;
  for (let i = options.start; i < options.end; i++) {
    // A time budget ends the slice early; checked every 64 scenarios (Date.now is not free).
    if (options.deadline !== undefined && (i - options.start) % 64 === 0 && i > options.start && Date.now() >= options.deadline) {
      return { failure: first, runs: i - options.start, steps, failures, witnessed };
    }
    const sc = fuzzScenario(options.seed, i, shape);
    const r = runTape(protocol, sc.cfg, sc.tape, { priority: sc.priority });
    steps += r.actions.length;
    for (const name of r.witnessed) witnessed[name]!++;
    if (r.violation !== undefined) {
      failures.push({ index: i, key: violationKey(r.violation), detail: r.violation.detail });
      if (first === undefined) {
        let scenario: Scenario = sc;
        let shrinks = 0;
        if (options.shrink !== false && !options.keepGoing) ({ scenario, shrinks } = shrinkScenario(protocol, sc, shape.maxTape));
        const result = scenario === sc ? r : failingRun(protocol, scenario);
        first = { scenario, result, runsToFailure: i - options.start + 1, shrinks };
      }
      if (!options.keepGoing) return { failure: first, runs: i - options.start + 1, steps, failures, witnessed };
    }
    const done = i - options.start + 1;
    if (options.onProgress && done % every === 0) options.onProgress({ done, total: options.end - options.start, steps });
  }
  return { failure: first, runs: options.end - options.start, steps, failures, witnessed };
}

/** What one campaign (or one slice of it) found. */
export interface CampaignSlice<S, M> {
  /** The first failure (shrunk unless asked not to, or keep-going). */
  readonly failure: Failure<S, M> | undefined;
  readonly runs: number;
  readonly steps: number;
  /** Every failing scenario when keep-going; else the first one only. */
  readonly failures: RawFailure[];
  /** For each witness of the protocol, in how many runs it was reached. */
  readonly witnessed: Record<string, number>;
}

/** A class of failures of one campaign: one invariant, one shape of detail; shrunk once. */
export interface DistinctFailure<S, M> {
  /** violationKey plus the violation's detail with numbers and ids masked. */
  readonly signature: string;
  /** How many scenarios of the campaign failed this way. */
  readonly occurrences: number;
  /** Scenario indices, lowest first (at most 10 kept). */
  readonly indices: readonly number[];
  /** The lowest-index representative, shrunk (undefined beyond `maxShrunk` classes). */
  readonly failure: Failure<S, M> | undefined;
}

/** Numbers and hex ids masked, so "node 2 round 3 v=ab12cd" and "node 1 round 5 v=99ffee" group. */
export function maskDetail(detail: string): string {
  return detail.replace(/\b[0-9a-f]{6,}\b/g, '#').replace(/\d+/g, '#');
}

/**
 * Group a campaign's failures (keep-going) by invariant and masked detail, shrink the
 * lowest-index failure of each class, and merge classes whose shrunk counterexamples
 * have the same signature. Deterministic: it depends only on the list, not on its order.
 */
export function distinctFailures<S, M>(
  protocol: Protocol<S, M>,
  raw: readonly RawFailure[],
  options: { seed: string; start: number; shape?: ScenarioShape; maxShrunk?: number },
): DistinctFailure<S, M>[] {
  const shape = options.shape ?? DEFAULT_SHAPE;
  const groups = new Map<string, RawFailure[]>();
  for (const f of [...raw].sort((a, b) => a.index - b.index)) {
    const sig = `${f.key}: ${maskDetail(f.detail)}`;
    const g = groups.get(sig);
    if (g === undefined) groups.set(sig, [f]);
    else g.push(f);
  }
  const classes = [...groups.entries()].sort((a, b) => a[1][0]!.index - b[1][0]!.index);
  const merged = new Map<string, { occurrences: number; indices: number[]; failure: Failure<S, M> | undefined }>();
  classes.forEach(([sig, members], k) => {
    let failure: Failure<S, M> | undefined;
    let signature = sig;
    if (k < (options.maxShrunk ?? 20)) {
      const sc = fuzzScenario(options.seed, members[0]!.index, shape);
      const { scenario, shrinks } = shrinkScenario(protocol, sc, shape.maxTape);
      const result = failingRun(protocol, scenario);
      failure = { scenario, result, runsToFailure: members[0]!.index - options.start + 1, shrinks };
      if (result.violation !== undefined) signature = `${violationKey(result.violation)}: ${maskDetail(result.violation.detail)}`;
    }
    const prior = merged.get(signature);
    if (prior === undefined) merged.set(signature, { occurrences: members.length, indices: members.slice(0, 10).map((m) => m.index), failure });
    else {
      prior.occurrences += members.length;
      prior.indices = [...prior.indices, ...members.map((m) => m.index)].sort((a, b) => a - b).slice(0, 10);
    }
  });
  return [...merged.entries()].map(([signature, c]) => ({ signature, ...c }));
}
