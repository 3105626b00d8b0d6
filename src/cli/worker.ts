/**
 * A fuzz worker thread: runs one contiguous range of scenario indices through the same
 * executor and reports progress and its first failing index (if any) to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createProtocol } from '../protocols/registry.ts';
import { type RawFailure, fuzzCampaign } from '../check/hunt.ts';
import type { ScenarioShape } from '../adversary/arbitraries.ts';

export interface WorkerJob {
  readonly protocol: string;
  readonly mutant: string | undefined;
  readonly seed: string;
  readonly start: number;
  readonly end: number;
  readonly shape: ScenarioShape;
  readonly progressEvery: number;
  readonly keepGoing: boolean;
}

export type WorkerReport =
  | { readonly kind: 'progress'; readonly done: number; readonly steps: number }
  | { readonly kind: 'done'; readonly runs: number; readonly steps: number; readonly failedAt: number | null; readonly failures: readonly RawFailure[] };

const job = workerData as WorkerJob;
const protocol = createProtocol(job.protocol, job.mutant);
const out = fuzzCampaign(protocol, {
  seed: job.seed,
  start: job.start,
  end: job.end,
  shape: job.shape,
  shrink: false,
  keepGoing: job.keepGoing,
  progressEvery: job.progressEvery,
  onProgress: (p) => parentPort!.postMessage({ kind: 'progress', done: p.done, steps: p.steps } satisfies WorkerReport),
});
parentPort!.postMessage({
  kind: 'done',
  runs: out.runs,
  steps: out.steps,
  failedAt: out.failure ? job.start + out.failure.runsToFailure - 1 : null,
  failures: out.failures,
} satisfies WorkerReport);
