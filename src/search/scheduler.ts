/**
 * One interface for every search strategy (issue 12, item 0; after stateright's
 * src/checker/, one file per strategy, and its simulation Chooser): a Scheduler says which
 * scenario runs at each index of a campaign and learns from what the runs reached. The
 * random strategies (random.ts) learn nothing; the guided one (guided.ts) keeps a corpus of
 * scenarios that reached new abstract states. Learning happens in rounds of fixed size, in
 * index order, so a campaign stays a pure function of its seed whatever the number of
 * workers running a round's slices. Every engine hands its first failure to the one
 * minimization pipeline (src/minimize/tape.ts).
 */
import type { Protocol } from '../core/types.ts';
import type { Scenario } from '../adversary/arbitraries.ts';
import { type RunResult, runTape } from '../check/execute.ts';
import { violationKey } from '../check/invariants.ts';
import { failingRun, shrinkScenario } from '../minimize/tape.ts';
import { coverageObserver, isRunNote } from './coverage.ts';

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

/** What one run told the scheduler (recorded only for a scheduler that observes coverage). */
export interface Outcome {
  readonly index: number;
  readonly steps: number;
  readonly failed: boolean;
  /** Abstract cluster states the run reached that the scheduler had not seen at its round's start. */
  readonly novel: readonly string[];
  readonly witnessed: readonly string[];
}

/**
 * A search strategy. `scenario(i)` must be a pure function of the campaign seed, i, and the
 * outcomes learnt from the rounds before i's round; `learn` takes one round's outcomes in
 * index order and returns a delta that `apply` replays on a copy of the scheduler (a worker
 * thread's), so every copy proposes the same scenarios.
 */
export interface Scheduler<D = unknown> {
  readonly name: string;
  /** Scenarios per round: what a round teaches is used from the next round on. */
  readonly roundSize: number;
  /** Whether runs observe abstract-state coverage (outcomes are recorded only then). */
  readonly observes: boolean;
  /** The campaign's longest tape (the shrinker's bound). */
  readonly maxTape: number;
  /** The cluster sizes the campaign draws from: the minimizer tries the smaller ones first. */
  readonly sizes?: readonly number[];
  scenario(index: number): Scenario;
  /** The keys of a run's coverage this scheduler has not seen (it may keep none: the random ones). */
  novel(coverage: ReadonlySet<string>): string[];
  learn(outcomes: readonly Outcome[]): D;
  apply(delta: D): void;
  /** Distinct abstract cluster states seen so far (0 for a scheduler that does not observe). */
  readonly covered: number;
}

/** What runSlice did over [start, end): aggregates, every failure, and the outcomes if observed. */
export interface SliceRun {
  readonly runs: number;
  readonly steps: number;
  readonly failures: RawFailure[];
  readonly witnessed: Record<string, number>;
  readonly outcomes: Outcome[];
  /** The deadline passed before the end (runs < end - start). */
  readonly stopped: boolean;
}

export function noWitnesses<S, M>(protocol: Protocol<S, M>): Record<string, number> {
  return Object.fromEntries((protocol.witnesses ?? []).map((w) => [w.name, 0]));
}

/**
 * Run the scenarios start..end-1 a scheduler proposes, through the one executor. Stops after
 * the first failure unless `keepGoing`; a deadline (ms since epoch, checked every 64
 * scenarios: Date.now is not free) stops it early.
 */
export function runSlice<S, M>(
  protocol: Protocol<S, M>,
  scheduler: Scheduler,
  options: {
    start: number;
    end: number;
    keepGoing?: boolean | undefined;
    deadline?: number | undefined;
    onProgress?: ((p: FuzzProgress) => void) | undefined;
    progressEvery?: number | undefined;
  },
): SliceRun {
  const { start, end } = options;
  const every = options.progressEvery ?? 1000;
  const witnessed = noWitnesses(protocol);
  const failures: RawFailure[] = [];
  const outcomes: Outcome[] = [];
  let steps = 0;
  for (let i = start; i < end; i++) {
    // Checked at every 64th index (by index, so slices shorter than 64, a guided round's, check too).
    if (options.deadline !== undefined && i % 64 === 0 && i > start && Date.now() >= options.deadline) {
      return { runs: i - start, steps, failures, witnessed, outcomes, stopped: true };
    }
    const sc = scheduler.scenario(i);
    const coverage = scheduler.observes ? new Set<string>() : undefined;
    const r = runTape(protocol, sc.cfg, sc.tape, { priority: sc.priority, ...(coverage ? { observe: coverageObserver(protocol, sc.cfg, coverage) } : {}) });
    steps += r.actions.length;
    for (const name of r.witnessed) witnessed[name]!++;
    if (coverage !== undefined) {
      outcomes.push({ index: i, steps: r.actions.length, failed: r.violation !== undefined, novel: scheduler.novel(coverage), witnessed: [...r.witnessed] });
    }
    if (r.violation !== undefined) {
      failures.push({ index: i, key: violationKey(r.violation), detail: r.violation.detail });
      if (!options.keepGoing) return { runs: i - start + 1, steps, failures, witnessed, outcomes, stopped: false };
    }
    const done = i - start + 1;
    if (options.onProgress && done % every === 0) options.onProgress({ done, total: end - start, steps });
  }
  return { runs: end - start, steps, failures, witnessed, outcomes, stopped: false };
}

/**
 * A campaign's first failure, handed to the minimization pipeline: the scenario shrunk
 * (tape, then config) and its run minimized, unless `shrink` is false (then the raw run).
 */
export function firstFailure<S, M>(
  protocol: Protocol<S, M>,
  sc: Scenario,
  runsToFailure: number,
  options: { shrink: boolean; maxTape: number; sizes?: readonly number[] | undefined; result?: RunResult<S, M> },
): Failure<S, M> {
  let scenario = sc;
  let shrinks = 0;
  if (options.shrink) ({ scenario, shrinks } = shrinkScenario(protocol, sc, options.maxTape, options.sizes));
  const result = scenario === sc ? options.result ?? runTape(protocol, sc.cfg, sc.tape, { priority: sc.priority }) : failingRun(protocol, scenario);
  return { scenario, result, runsToFailure, shrinks };
}

/** Round k of a campaign over [start, end): its index range. */
export function roundRange(start: number, end: number, roundSize: number, k: number): { lo: number; hi: number } {
  const lo = start + k * roundSize;
  return { lo, hi: Math.min(end, lo + roundSize) };
}

/** One round's slice results merged in index order, cut after the first failure unless keep-going. */
export function mergeRound(outcomes: readonly Outcome[], keepGoing: boolean): Outcome[] {
  const sorted = [...outcomes].sort((a, b) => a.index - b.index);
  if (keepGoing) return sorted;
  const cut = sorted.findIndex((o) => o.failed);
  return cut < 0 ? sorted : sorted.slice(0, cut + 1);
}

/** Totals of a learning campaign, from its outcomes in index order (so the same for any worker count). */
export class Tally {
  runs = 0;
  steps = 0;
  readonly witnessed: Record<string, number>;
  constructor(witnessed: Record<string, number>) {
    this.witnessed = witnessed;
  }
  add(outcomes: readonly Outcome[]): void {
    for (const o of outcomes) {
      this.runs++;
      this.steps += o.steps;
      for (const name of o.witnessed) this.witnessed[name] = (this.witnessed[name] ?? 0) + 1;
    }
  }
}

/**
 * A campaign of a scheduler that learns, in this thread: round after round, run, merge in
 * index order, learn; stop at the first failure (shrunk unless `shrink` is false) unless
 * keep-going. api/campaign.ts runs the same rounds over worker threads.
 */
export function roundsCampaign<S, M>(
  protocol: Protocol<S, M>,
  scheduler: Scheduler,
  options: {
    start: number;
    end: number;
    shrink?: boolean;
    keepGoing?: boolean;
    deadline?: number | undefined;
    onProgress?: (p: FuzzProgress) => void;
    progressEvery?: number;
    /** After each round: runs so far and distinct abstract states (coverage over time). */
    onRound?: (p: { runs: number; covered: number; corpus: number }) => void;
  },
): CampaignSlice<S, M> & { covered: number } {
  const keepGoing = options.keepGoing ?? false;
  const tally = new Tally(noWitnesses(protocol));
  const failures: RawFailure[] = [];
  const every = options.progressEvery ?? 1000;
  let reported = 0;
  for (let k = 0; ; k++) {
    const { lo, hi } = roundRange(options.start, options.end, scheduler.roundSize, k);
    if (lo >= options.end || (options.deadline !== undefined && k > 0 && Date.now() >= options.deadline)) break;
    const out = runSlice(protocol, scheduler, { start: lo, end: hi, keepGoing, deadline: options.deadline });
    const outcomes = mergeRound(out.outcomes, keepGoing);
    tally.add(outcomes);
    failures.push(...out.failures);
    scheduler.learn(outcomes);
    options.onRound?.({ runs: tally.runs, covered: scheduler.covered, corpus: (scheduler as { corpusSize?: number }).corpusSize ?? 0 });
    if (options.onProgress && tally.runs - reported >= every) {
      reported = tally.runs;
      options.onProgress({ done: tally.runs, total: options.end - options.start, steps: tally.steps });
    }
    if ((failures.length > 0 && !keepGoing) || out.stopped) break;
  }
  let failure: Failure<S, M> | undefined;
  const raw = failures[0];
  if (raw !== undefined) {
    const shrink = options.shrink !== false && !keepGoing;
    failure = firstFailure(protocol, scheduler.scenario(raw.index), raw.index - options.start + 1, { shrink, maxTape: scheduler.maxTape, sizes: scheduler.sizes });
  }
  return { failure, runs: tally.runs, steps: tally.steps, failures, witnessed: tally.witnessed, covered: scheduler.covered };
}

/**
 * Another scheduler's scenarios, unchanged, with the abstract states they reach counted
 * (rounds of `roundSize`): how the bench and tests compare the coverage of the random
 * strategies with guided search's.
 */
export function measured(base: Scheduler, roundSize = 100): Scheduler<null> {
  const coverage = new Set<string>();
  return {
    name: `${base.name} (coverage measured)`,
    roundSize,
    observes: true,
    maxTape: base.maxTape,
    ...(base.sizes !== undefined ? { sizes: base.sizes } : {}),
    get covered() {
      return coverage.size;
    },
    scenario: (index) => base.scenario(index),
    // Notes about the run (reboot campaigns: crash points, spent reboots) travel with the coverage keys but are not coverage.
    novel: (keys) => [...keys].filter((k) => !coverage.has(k) && !isRunNote(k)),
    learn: (outcomes) => {
      for (const o of outcomes) for (const k of o.novel) coverage.add(k);
      return null;
    },
    apply: () => {},
  };
}
