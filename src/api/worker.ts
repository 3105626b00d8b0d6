/**
 * A campaign worker thread. Random strategies: it runs one contiguous range of scenario
 * indices through the same executor and reports progress, every failing index (keep-going)
 * or its first one, and the witnesses reached. Guided: it keeps a copy of the guided
 * scheduler, and for each round applies what the last round taught (the parent's delta),
 * runs its slice of the round and sends back the outcomes. The protocol is rebuilt from its
 * reference (built-in name or module URL), so a user's protocol runs here too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadRef, type ProtocolRef } from '../protocols/load.ts';
import { fuzzCampaign } from '../search/random.ts';
import { type GuidedDelta, type GuidedOptions, GuidedScheduler } from '../search/guided.ts';
import { type Outcome, type RawFailure, runSlice } from '../search/scheduler.ts';
import type { ScenarioShape } from '../adversary/arbitraries.ts';

export interface WorkerJob {
  readonly ref: ProtocolRef;
  readonly mutant: string | undefined;
  readonly seed: string;
  readonly start: number;
  readonly end: number;
  readonly shape: ScenarioShape;
  readonly progressEvery: number;
  readonly keepGoing: boolean;
  /** Stop starting new scenarios after this wall-clock time (ms since epoch), if set. */
  readonly deadline: number | undefined;
  /** Guided search: the worker waits for rounds (GuidedRound messages) instead of running start..end. */
  readonly guided?: GuidedOptions;
}

/** Parent to a guided worker: run lo..hi after applying the delta of the round before (null for round 0), or stop. */
export type GuidedRound =
  | { readonly kind: 'round'; readonly lo: number; readonly hi: number; readonly delta: GuidedDelta | null }
  | { readonly kind: 'stop' };

export type WorkerReport =
  | { readonly kind: 'progress'; readonly done: number; readonly steps: number }
  | { readonly kind: 'done'; readonly runs: number; readonly steps: number; readonly failedAt: number | null; readonly failures: readonly RawFailure[]; readonly witnessed: Record<string, number> }
  | { readonly kind: 'round-done'; readonly outcomes: readonly Outcome[]; readonly failures: readonly RawFailure[]; readonly stopped: boolean };

const job = workerData as WorkerJob;
const protocol = (await loadRef(job.ref)).create(job.mutant);
const port = parentPort!;
if (job.guided !== undefined) {
  const scheduler = new GuidedScheduler(job.seed, job.shape, job.start, job.guided);
  port.on('message', (m: GuidedRound) => {
    if (m.kind === 'stop') {
      port.close();
      return;
    }
    if (m.delta !== null) scheduler.apply(m.delta);
    const out = runSlice(protocol, scheduler, { start: m.lo, end: m.hi, keepGoing: job.keepGoing, deadline: job.deadline });
    port.postMessage({ kind: 'round-done', outcomes: out.outcomes, failures: out.failures, stopped: out.stopped } satisfies WorkerReport);
  });
} else {
  const out = fuzzCampaign(protocol, {
    seed: job.seed,
    start: job.start,
    end: job.end,
    shape: job.shape,
    shrink: false,
    keepGoing: job.keepGoing,
    deadline: job.deadline,
    progressEvery: job.progressEvery,
    onProgress: (p) => port.postMessage({ kind: 'progress', done: p.done, steps: p.steps } satisfies WorkerReport),
  });
  port.postMessage({
    kind: 'done',
    runs: out.runs,
    steps: out.steps,
    failedAt: out.failure ? job.start + out.failure.runsToFailure - 1 : null,
    failures: out.failures,
    witnessed: out.witnessed,
  } satisfies WorkerReport);
}
