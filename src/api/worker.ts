/**
 * A campaign worker thread: runs one contiguous range of scenario indices through the same
 * executor and reports progress, every failing index (keep-going) or its first one, and
 * the witnesses reached. The protocol is rebuilt from its reference (built-in name or
 * module URL), so a user's protocol runs here too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadRef, type ProtocolRef } from '../protocols/load.ts';
import { type RawFailure, fuzzCampaign } from '../check/hunt.ts';
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
}

export type WorkerReport =
  | { readonly kind: 'progress'; readonly done: number; readonly steps: number }
  | { readonly kind: 'done'; readonly runs: number; readonly steps: number; readonly failedAt: number | null; readonly failures: readonly RawFailure[]; readonly witnessed: Record<string, number> };

const job = workerData as WorkerJob;
const protocol = (await loadRef(job.ref)).create(job.mutant);
const out = fuzzCampaign(protocol, {
  seed: job.seed,
  start: job.start,
  end: job.end,
  shape: job.shape,
  shrink: false,
  keepGoing: job.keepGoing,
  deadline: job.deadline,
  progressEvery: job.progressEvery,
  onProgress: (p) => parentPort!.postMessage({ kind: 'progress', done: p.done, steps: p.steps } satisfies WorkerReport),
});
parentPort!.postMessage({
  kind: 'done',
  runs: out.runs,
  steps: out.steps,
  failedAt: out.failure ? job.start + out.failure.runsToFailure - 1 : null,
  failures: out.failures,
  witnessed: out.witnessed,
} satisfies WorkerReport);
