/**
 * A fuzz campaign as a function: the CLI's `fuzz` and the public API's `fuzz` are this.
 * Same seed, same report (worker count does not matter: failures are ordered by scenario
 * index, the first one is shrunk in the calling thread).
 */
import { Worker } from 'node:worker_threads';
import type { Protocol } from '../core/types.ts';
import { UserError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import { DEFAULT_SHAPE, type Scenario, type ScenarioShape } from '../adversary/arbitraries.ts';
import { fuzzScenario } from '../adversary/fuzzer.ts';
import { type Failure, type Outcome, type RawFailure, Tally, firstFailure, mergeRound, roundRange } from '../search/scheduler.ts';
import { distinctFailures, fuzzCampaign } from '../search/random.ts';
import { huntWithFastCheck } from '../search/fastcheck.ts';
import { type GuidedOptions, GuidedScheduler, guidedCampaign } from '../search/guided.ts';
import { type Fixture, FIXTURE_FORMAT } from '../trace/fixture.ts';
import { type LoadedProtocol, loadProtocol } from '../protocols/load.ts';
import { type ProtocolSource, asProtocol } from './run.ts';
import type { GuidedRound, WorkerJob, WorkerReport } from './worker.ts';

export interface FuzzOptions {
  /** Campaign seed (default "consensus-harness"). Scenario i of a seed is always the same scenario. */
  readonly seed?: string;
  /** Scenarios in the whole campaign (default 20,000). */
  readonly runs?: number;
  /** Run only shard `index` of `count` of the scenario range (CI matrices). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** The scenario shape: sizes, fault budgets, Byzantine nodes, strategy, tape length (defaults: DEFAULT_SHAPE). */
  readonly shape?: Partial<ScenarioShape>;
  readonly mutant?: string;
  /** Worker threads (default 1). More than one needs a protocol given by name or module path. */
  readonly workers?: number;
  /** Run the whole range and report every distinct failure instead of stopping at the first. */
  readonly keepGoing?: boolean;
  /** Stop starting scenarios after this many milliseconds (then `runs` in the report depends on the machine). */
  readonly timeBudgetMs?: number;
  /** seedrandom (default, fast) or fast-check (its own seed and shrinking; no workers, no keep-going). */
  readonly engine?: 'seedrandom' | 'fast-check';
  readonly progressEvery?: number;
  readonly onProgress?: (p: { done: number; total: number; steps: number; seconds: number }) => void;
  /** How the report's fixtures say they were found (default "fuzz"). */
  readonly foundBy?: string;
  /** Shrink failures (default true). A kill check that only needs "found" can skip it: the report's fixture is then the unshrunk run. */
  readonly shrink?: boolean;
  /**
   * The search strategy (default: the shape's, mixed): uniform, priority or mixed delivery
   * (random), or guided (src/search/guided.ts: a corpus of scenarios that reached new
   * abstract states, mutated; its fresh scenarios use the shape's delivery). Guided needs the
   * seedrandom engine; its report does not depend on the worker count either.
   */
  readonly strategy?: 'uniform' | 'priority' | 'mixed' | 'guided';
  /** Guided search's knobs (round size, share of fresh scenarios, longest tape). */
  readonly guided?: GuidedOptions;
}

/** One distinct failure: its shrunk counterexample as a fixture, ready to write. */
export interface FoundFailure {
  readonly invariant: string;
  readonly detail: string;
  /** Invariant plus the detail with numbers masked: what keep-going deduplicates by. */
  readonly signature: string;
  readonly occurrences: number;
  /** Scenario indices that failed this way (lowest first, at most 10). */
  readonly indices: readonly number[];
  /** Shrunk counterexample (absent for classes beyond the 20 that are shrunk). */
  readonly fixture: Fixture | undefined;
  readonly shrinks: number;
  /** fast-check's replay handles, when that engine found it. */
  readonly fastCheck?: { readonly seed: number; readonly path: string };
}

export interface FuzzReport {
  readonly protocol: string;
  readonly mutant: string | undefined;
  readonly seed: string;
  /** The scenario index range of this campaign (after sharding). */
  readonly start: number;
  readonly end: number;
  readonly runs: number;
  readonly steps: number;
  readonly seconds: number;
  /** Empty when every invariant held. Without keep-going, at most one. */
  readonly failures: readonly FoundFailure[];
  /** For each witness (sometimes-property): in how many runs it was reached. */
  readonly witnessed: Readonly<Record<string, number>>;
  /** Witnesses no run reached: what they are about was not tested. */
  readonly neverWitnessed: readonly string[];
  /** Guided search: distinct abstract cluster states reached, and the corpus size at the end. */
  readonly coverage?: { readonly states: number; readonly corpus: number };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProtocol = Protocol<any, any>;

export function fixtureOf(protocol: AnyProtocol, failure: Failure<unknown, unknown>, found: Fixture['found']): Fixture {
  const v = failure.result.violation!;
  return {
    format: FIXTURE_FORMAT,
    protocol: protocol.name,
    mutant: protocol.mutant ?? null,
    config: failure.scenario.cfg,
    expect: { outcome: 'violates', invariant: v.invariant },
    story: `${protocol.mutant ? `mutant ${protocol.mutant}` : 'correct protocol'}: ${v.detail}`,
    ...(found ? { found: { ...found, tape: failure.scenario.tape, ...(failure.scenario.priority ? { priority: failure.scenario.priority } : {}) } } : {}),
    actions: failure.result.actions,
  };
}

/** A file name for a fixture: protocol/mutant-or-correct-hash.json. */
export function fixtureFileName(fx: Fixture): string {
  return `${fx.protocol}/${fx.mutant ? `mutant-${fx.mutant}` : 'correct'}-${sha256Hex(JSON.stringify(fx.actions)).slice(0, 8)}.json`;
}

/**
 * The scenario shape of a campaign: DEFAULT_SHAPE, with mixed delivery (the CLI searches guided, whose fresh scenarios are these), under
 * the given overrides (fault budgets merged field by field).
 */
export function campaignShape(overrides: Partial<ScenarioShape> = {}): ScenarioShape {
  return { ...DEFAULT_SHAPE, strategy: 'mixed', ...overrides, maxFaults: { ...DEFAULT_SHAPE.maxFaults, ...overrides.maxFaults } };
}

/**
 * Run a fuzz campaign. `protocol` is a protocol value, or a reference (a built-in name or
 * a module path) which worker threads can load too.
 */
export async function fuzz(protocol: ProtocolSource | string, options: FuzzOptions = {}): Promise<FuzzReport> {
  const loaded: LoadedProtocol | undefined = typeof protocol === 'string' ? await loadProtocol(protocol) : undefined;
  if (loaded === undefined && options.mutant !== undefined) {
    throw new UserError('fuzz: a protocol value carries its mutant already (build it with the mutant); the mutant option is for protocols given by name or path');
  }
  const p: AnyProtocol = loaded ? loaded.create(options.mutant) : asProtocol(protocol as ProtocolSource);
  const seed = options.seed ?? 'consensus-harness';
  const total = options.runs ?? 20_000;
  if (!Number.isInteger(total) || total < 1) throw new UserError(`runs: expected a positive integer, got ${total}`);
  let start = 0;
  let end = total;
  if (options.shard) {
    const { index, count } = options.shard;
    if (!(Number.isInteger(index) && Number.isInteger(count) && index >= 0 && index < count)) throw new UserError(`shard: expected 0 <= index < count, got ${index}/${count}`);
    start = Math.floor((total * index) / count);
    end = Math.floor((total * (index + 1)) / count);
  }
  const guided = options.strategy === 'guided';
  const shape = campaignShape({ ...options.shape, ...(options.strategy !== undefined && !guided ? { strategy: options.strategy } : {}) });
  const engine = options.engine ?? 'seedrandom';
  const workers = options.workers ?? 1;
  const keepGoing = options.keepGoing ?? false;
  if (engine === 'fast-check' && guided) throw new UserError('the guided strategy needs the seedrandom engine');
  if (engine === 'fast-check' && (keepGoing || shape.strategy === 'priority')) throw new UserError('the fast-check engine draws uniform scenarios and stops at the first failure (no keep-going, no priority strategy)');
  if (workers > 1 && loaded === undefined) throw new UserError('workers > 1 need the protocol by name or module path (a worker thread loads it), not a protocol value');
  // Bad input is found here, in the calling thread, not inside a worker.
  fuzzScenario(seed, start, shape);
  const t0 = performance.now();
  const deadline = options.timeBudgetMs !== undefined ? Date.now() + options.timeBudgetMs : undefined;
  const every = options.progressEvery ?? 2000;
  const progress = (done: number, steps: number) => options.onProgress?.({ done, total: end - start, steps, seconds: (performance.now() - t0) / 1000 });
  const foundBy = { by: options.foundBy ?? `fuzz --engine ${engine}${guided ? ' --strategy guided' : ''}`, seed };
  let runs = 0;
  let steps = 0;
  let raw: RawFailure[] = [];
  let witnessed: Record<string, number> = Object.fromEntries((p.witnesses ?? []).map((w) => [w.name, 0]));
  let first: Failure<unknown, unknown> | undefined;
  let coverage: FuzzReport['coverage'];
  /** Re-derives a failing index's scenario for keep-going's shrinking (guided: from its scheduler). */
  let scenarioAt: ((index: number) => Scenario) | undefined;
  let maxTape = shape.maxTape;
  if (guided && workers > 1 && end - start >= 2 * workers) {
    const out = await guidedInWorkers({ ref: loaded!.ref, mutant: options.mutant, seed, start, end, shape, progressEvery: every, keepGoing, deadline, guided: options.guided ?? {} }, workers, p, progress);
    ({ runs, steps, witnessed } = out.tally);
    raw = out.failures;
    const scheduler = out.scheduler;
    coverage = { states: scheduler.covered, corpus: scheduler.corpusSize };
    scenarioAt = (i) => scheduler.scenario(i);
    maxTape = scheduler.maxTape;
    const firstRaw = raw.reduce<RawFailure | undefined>((a, f) => (a === undefined || f.index < a.index ? f : a), undefined);
    if (firstRaw !== undefined && !keepGoing) {
      first = firstFailure(p, scheduler.scenario(firstRaw.index), firstRaw.index - start + 1, { shrink: options.shrink ?? true, maxTape, sizes: scheduler.sizes });
    }
  } else if (guided) {
    const out = guidedCampaign(p, { seed, start, end, shape, guided: options.guided ?? {}, keepGoing, deadline, shrink: options.shrink ?? true, progressEvery: every || Number.MAX_SAFE_INTEGER, onProgress: (x) => progress(x.done, x.steps) });
    ({ runs, steps, witnessed } = out);
    raw = out.failures;
    first = keepGoing ? undefined : out.failure;
    coverage = { states: out.covered, corpus: out.corpus };
    scenarioAt = (i) => out.scheduler.scenario(i);
    maxTape = out.scheduler.maxTape;
  } else if (engine === 'fast-check') {
    // fast-check draws its scenarios from one seed: a shard gets its own (its start mixed in).
    const seedNum = Number.parseInt(sha256Hex(start === 0 ? seed : `${seed}#${start}`).slice(0, 8), 16) | 0;
    first = huntWithFastCheck(p, { seed: seedNum, numRuns: end - start, shape });
    runs = first ? first.runsToFailure : end - start;
  } else if (workers > 1 && end - start >= 2 * workers) {
    const out = await inWorkers({ ref: loaded!.ref, mutant: options.mutant, seed, start, end, shape, progressEvery: every, keepGoing, deadline }, workers, progress);
    ({ runs, steps, witnessed } = out);
    raw = out.failures;
    if (out.failedAt !== null && !keepGoing) {
      // Shrink the lowest failing index in this thread: the same answer whatever the worker count.
      const one = fuzzCampaign(p, { seed, start: out.failedAt, end: out.failedAt + 1, shape, shrink: options.shrink ?? true });
      first = one.failure && { ...one.failure, runsToFailure: out.failedAt - start + 1 };
      runs = out.failedAt - start + 1;
    }
  } else {
    const out = fuzzCampaign(p, { seed, start, end, shape, keepGoing, deadline, shrink: options.shrink ?? true, progressEvery: every || Number.MAX_SAFE_INTEGER, onProgress: (x) => progress(x.done, x.steps) });
    ({ runs, steps, witnessed } = out);
    raw = out.failures;
    first = keepGoing ? undefined : out.failure;
  }
  let failures: FoundFailure[] = [];
  if (keepGoing) {
    failures = distinctFailures(p, raw, { seed, start, shape, maxTape, ...(scenarioAt ? { scenarioAt } : {}) }).map((c) => {
      const v = c.failure?.result.violation;
      const firstRaw = raw.find((r) => r.index === c.indices[0])!;
      return {
        invariant: v?.invariant ?? firstRaw.key.replace(/^exception: .*/, 'exception'),
        detail: v?.detail ?? firstRaw.detail,
        signature: c.signature,
        occurrences: c.occurrences,
        indices: c.indices,
        fixture: c.failure ? fixtureOf(p, c.failure as Failure<unknown, unknown>, foundBy) : undefined,
        shrinks: c.failure?.shrinks ?? 0,
      };
    });
  } else if (first !== undefined) {
    const v = first.result.violation!;
    failures = [{
      invariant: v.invariant,
      detail: v.detail,
      signature: v.invariant,
      occurrences: 1,
      indices: [start + first.runsToFailure - 1],
      fixture: fixtureOf(p, first as Failure<unknown, unknown>, foundBy),
      shrinks: first.shrinks,
      ...(first.seed !== undefined ? { fastCheck: { seed: first.seed, path: first.path ?? '' } } : {}),
    }];
  }
  return {
    protocol: p.name,
    mutant: p.mutant,
    seed,
    start,
    end,
    runs,
    steps,
    seconds: (performance.now() - t0) / 1000,
    failures,
    witnessed,
    neverWitnessed: Object.keys(witnessed).filter((k) => witnessed[k] === 0),
    ...(coverage !== undefined ? { coverage } : {}),
  };
}

/** The worker script: from source (tsx), worker-entry.mjs registers the TypeScript loader first; compiled, worker.js runs as is. */
function workerEntry(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './worker.js', import.meta.url);
}

/**
 * A guided campaign over K worker threads: round by round, each worker runs a slice of the
 * round with its copy of the scheduler; the outcomes are merged in index order here, the
 * scheduler learns from them, and the delta goes to every worker with the next round. The
 * same rounds and the same learning as guidedCampaign in one thread, so the same report.
 */
async function guidedInWorkers(
  job: WorkerJob & { guided: GuidedOptions },
  k: number,
  protocol: AnyProtocol,
  progress: (done: number, steps: number) => void,
): Promise<{ tally: Tally; failures: RawFailure[]; scheduler: GuidedScheduler }> {
  const scheduler = new GuidedScheduler(job.seed, job.shape, job.start, job.guided);
  const tally = new Tally(Object.fromEntries((protocol.witnesses ?? []).map((w) => [w.name, 0])));
  const failures: RawFailure[] = [];
  const pool = Array.from({ length: k }, () => new Worker(workerEntry(), { workerData: job }));
  // One pending reply per worker: its resolve and reject.
  const pending: ({ resolve: (r: WorkerReport & { kind: 'round-done' }) => void; reject: (e: unknown) => void } | undefined)[] = pool.map(() => undefined);
  pool.forEach((worker, i) => {
    worker.on('message', (m: WorkerReport) => {
      if (m.kind === 'round-done') pending[i]?.resolve(m);
    });
    worker.on('error', (e) => pending[i]?.reject(e.name === 'UserError' ? new UserError(e.message) : e));
    worker.on('exit', (code) => pending[i]?.reject(new Error(`fuzz worker ${i} exited with code ${code}`)));
  });
  let reported = 0;
  let delta: Parameters<GuidedScheduler['apply']>[0] | null = null;
  try {
    for (let r = 0; ; r++) {
      const { lo, hi } = roundRange(job.start, job.end, scheduler.roundSize, r);
      if (lo >= job.end || (job.deadline !== undefined && r > 0 && Date.now() >= job.deadline)) break;
      const replies = await Promise.all(pool.map((worker, i) => new Promise<WorkerReport & { kind: 'round-done' }>((resolve, reject) => {
        pending[i] = { resolve, reject };
        const round: GuidedRound = { kind: 'round', lo: lo + Math.floor(((hi - lo) * i) / k), hi: lo + Math.floor(((hi - lo) * (i + 1)) / k), delta };
        worker.postMessage(round);
      })));
      pending.fill(undefined);
      const outcomes: Outcome[] = mergeRound(replies.flatMap((x) => x.outcomes), job.keepGoing);
      tally.add(outcomes);
      const last = outcomes[outcomes.length - 1]?.index ?? -1;
      // Without keep-going, failures after the round's first one are another worker's extra work: not part of the report.
      failures.push(...replies.flatMap((x) => x.failures).filter((f) => job.keepGoing || f.index <= last).sort((a, b) => a.index - b.index));
      delta = scheduler.learn(outcomes);
      if (job.progressEvery > 0 && tally.runs - reported >= job.progressEvery) {
        reported = tally.runs;
        progress(tally.runs, tally.steps);
      }
      if ((failures.length > 0 && !job.keepGoing) || replies.some((x) => x.stopped)) break;
    }
  } finally {
    for (const worker of pool) {
      worker.postMessage({ kind: 'stop' } satisfies GuidedRound);
      worker.removeAllListeners('exit');
      void worker.terminate();
    }
  }
  return { tally, failures, scheduler };
}

/**
 * Split [start, end) into K contiguous slices, one worker thread each. Every worker runs
 * its slice to the end or to its first failure; the campaign's failure is the lowest
 * failing index, so the outcome is the same for any K.
 */
async function inWorkers(
  job: WorkerJob,
  k: number,
  progress: (done: number, steps: number) => void,
): Promise<{ runs: number; steps: number; failedAt: number | null; failures: RawFailure[]; witnessed: Record<string, number> }> {
  const total = job.end - job.start;
  const done = new Array<number>(k).fill(0);
  const stepsBy = new Array<number>(k).fill(0);
  let reported = 0;
  const every = job.progressEvery > 0 ? Math.max(1, Math.floor(job.progressEvery / k)) : Number.MAX_SAFE_INTEGER;
  const results = await Promise.all(Array.from({ length: k }, (_, i) => new Promise<WorkerReport & { kind: 'done' }>((resolve, reject) => {
    const slice: WorkerJob = {
      ...job,
      start: job.start + Math.floor((total * i) / k),
      end: job.start + Math.floor((total * (i + 1)) / k),
      progressEvery: every,
    };
    const worker = new Worker(workerEntry(), { workerData: slice });
    worker.on('message', (m: WorkerReport) => {
      if (m.kind === 'done') {
        resolve(m);
        return;
      }
      if (m.kind !== 'progress') return;
      done[i] = m.done;
      stepsBy[i] = m.steps;
      const sum = done.reduce((a, b) => a + b, 0);
      if (job.progressEvery > 0 && sum - reported >= job.progressEvery) {
        reported = sum;
        progress(sum, stepsBy.reduce((a, b) => a + b, 0));
      }
    });
    // An error crossing the thread boundary loses its class; restore UserError (exit 2).
    worker.on('error', (e) => reject(e.name === 'UserError' ? new UserError(e.message) : e));
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`fuzz worker ${i} exited with code ${code}`));
    });
  })));
  const failedAt = results.map((r) => r.failedAt).filter((x): x is number => x !== null);
  const witnessed: Record<string, number> = {};
  for (const r of results) for (const [name, count] of Object.entries(r.witnessed)) witnessed[name] = (witnessed[name] ?? 0) + count;
  return {
    runs: results.reduce((a, r) => a + r.runs, 0),
    steps: results.reduce((a, r) => a + r.steps, 0),
    failedAt: failedAt.length ? Math.min(...failedAt) : null,
    failures: results.flatMap((r) => r.failures),
    witnessed,
  };
}
