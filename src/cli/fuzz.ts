import { sha256Hex } from '../core/hash.ts';
import { fuzzScenario } from '../adversary/fuzzer.ts';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerJob, WorkerReport } from './worker.ts';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { createProtocol, protocolEntry } from '../protocols/registry.ts';
import { type Failure, type RawFailure, distinctFailures, fuzzCampaign, huntWithFastCheck } from '../check/hunt.ts';
import { GENERIC_INVARIANTS } from '../check/invariants.ts';
import { type Fixture, FIXTURE_FORMAT, writeFixture } from '../trace/fixture.ts';
import { parseArgs } from 'node:util';
import { SCENARIO_HELP, SCENARIO_OPTIONS, nat, shapeFrom } from './options.ts';

const HELP = `usage: consensus-harness fuzz [options]

Run many adversarial schedules against a protocol, check every invariant after every
step, and on the first failure shrink it and save it as a fixture.

campaign options:
  --runs N            scenarios to run (default 20000)
  --seed S            campaign seed (default "consensus-harness"); same seed, same campaign
  --engine E          seedrandom (default: the standalone fuzzer, fast) or fast-check
  --shard I/K         run only shard I of K (0-based) of the scenario range, for CI matrices
  --out FILE          where to write the fixture of a failure
                      (default fixtures/<protocol>/<correct|mutant>-<hash>.json)
  --no-write          do not write a fixture
  --keep-going        run the whole campaign; report every distinct failure (by invariant
                      and the shape of its detail), each shrunk, saved, with its count
  --progress N        report progress every N scenarios (default 2000; 0 = quiet)
  --workers K         worker threads, each running a slice of the range (default: one per
                      core, here ${Math.min(8, availableParallelism())}); the result does not depend on K

${SCENARIO_HELP}`;

export async function fuzzCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: {
    ...SCENARIO_OPTIONS,
    runs: { type: 'string', default: '20000' },
    seed: { type: 'string', default: 'consensus-harness' },
    engine: { type: 'string', default: 'seedrandom' },
    shard: { type: 'string' },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    progress: { type: 'string', default: '2000' },
    workers: { type: 'string', default: String(Math.min(8, availableParallelism())) },
    'keep-going': { type: 'boolean', default: false },
  }, allowPositionals: false, strict: true });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const entry = protocolEntry(values.protocol);
  const mutant = values.mutant;
  const protocol = createProtocol(entry.name, mutant);
  const shape = shapeFrom(values);
  const runs = nat('runs', values.runs, 1);
  const progressEvery = nat('progress', values.progress);
  let start = 0;
  let end = runs;
  if (values.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(values.shard);
    if (!m || Number(m[1]) >= Number(m[2])) throw new UserError(`--shard: expected I/K with 0 <= I < K, got ${JSON.stringify(values.shard)}`);
    const i = Number(m[1]);
    const k = Number(m[2]);
    start = Math.floor((runs * i) / k);
    end = Math.floor((runs * (i + 1)) / k);
  }
  if (values.engine !== 'seedrandom' && values.engine !== 'fast-check') {
    throw new UserError(`--engine: expected seedrandom or fast-check, got ${JSON.stringify(values.engine)}`);
  }
  const keepGoing = values['keep-going'];
  if (keepGoing && values.engine !== 'seedrandom') throw new UserError('--keep-going needs the seedrandom engine');
  const label = `${entry.name}${mutant ? ` with mutant ${mutant}` : ' (correct)'}`;
  console.log(`fuzz ${label}: scenarios ${start}..${end - 1} of seed ${JSON.stringify(values.seed)}, engine ${values.engine}`);
  console.log(`  n in {${shape.sizes.join(',')}}, up to ${shape.maxHeights} height(s), tapes up to ${shape.maxTape} steps, ` +
    `${shape.byzantine ? `up to f Byzantine nodes${shape.twins ? ' (Twins in half the runs)' : ''}` : 'no Byzantine nodes'}, fault budgets ${JSON.stringify(shape.maxFaults)}` +
    `${shape.strategy && shape.strategy !== 'uniform' ? `, ${shape.strategy} delivery` : ''}`);
  if (values.engine === 'fast-check' && shape.strategy === 'priority') {
    throw new UserError('--strategy priority needs the seedrandom engine (fast-check scenarios are uniform)');
  }

  const t0 = performance.now();
  let failure: Failure<unknown, unknown> | undefined;
  let ran: number;
  let steps = 0;
  let raw: RawFailure[] = [];
  const workers = nat('workers', values.workers, 1);
  const progress = (done: number, total: number, stepsSoFar: number, k = 1) => {
    const s = (performance.now() - t0) / 1000;
    console.error(`  ... ${done}/${total} scenarios, ${stepsSoFar} steps, ${Math.round(done / s)} scenarios/s${k > 1 ? ` (${k} workers)` : ''}`);
  };
  // Bad input is found here, in the main thread (exit 2), not inside a worker.
  fuzzScenario(values.seed, start, shape);
  if (values.engine === 'seedrandom' && workers > 1 && end - start >= 2 * workers) {
    const out = await fuzzInWorkers({ protocol: entry.name, mutant, seed: values.seed, start, end, shape, progressEvery, keepGoing }, workers, progress);
    ran = out.runs;
    steps = out.steps;
    raw = out.failures;
    if (out.failedAt !== null && !keepGoing) {
      // Shrink the lowest failing index in this thread: the same answer whatever K is.
      const one = fuzzCampaign(protocol, { seed: values.seed, start: out.failedAt, end: out.failedAt + 1, shape });
      failure = one.failure && { ...one.failure, runsToFailure: out.failedAt - start + 1 };
      ran = out.failedAt - start + 1;
    }
  } else if (values.engine === 'seedrandom') {
    const out = fuzzCampaign(protocol, {
      seed: values.seed,
      start,
      end,
      shape,
      keepGoing,
      progressEvery: progressEvery || Number.MAX_SAFE_INTEGER,
      onProgress: (p) => progress(p.done, p.total, p.steps),
    });
    failure = keepGoing ? undefined : out.failure;
    raw = out.failures;
    ran = out.runs;
    steps = out.steps;
  } else {
    // fast-check draws its scenarios from one seed: a shard gets its own seed (its start index
    // mixed in), so shards of one campaign test different scenarios.
    const seedNum = Number.parseInt(sha256Hex(start === 0 ? values.seed : `${values.seed}#${start}`).slice(0, 8), 16) | 0;
    failure = huntWithFastCheck(protocol, { seed: seedNum, numRuns: end - start, shape });
    ran = failure ? failure.runsToFailure : end - start;
  }
  const seconds = (performance.now() - t0) / 1000;
  const invariants = [...Object.keys(GENERIC_INVARIANTS), ...protocol.invariants.map((i) => i.name), ...(protocol.finalInvariants ?? []).map((i) => `${i.name} (at the end)`)];
  const save = (f: Failure<unknown, unknown>): string | undefined => {
    if (values['no-write']) return undefined;
    const v = f.result.violation!;
    const fx: Fixture = {
      format: FIXTURE_FORMAT,
      protocol: entry.name,
      mutant: mutant ?? null,
      config: f.scenario.cfg,
      expect: { outcome: 'violates', invariant: v.invariant },
      story: `${mutant ? `mutant ${mutant}` : 'correct protocol'}: ${v.detail}`,
      found: { by: `fuzz --engine ${values.engine}`, seed: values.seed, tape: f.scenario.tape, ...(f.scenario.priority ? { priority: f.scenario.priority } : {}) },
      actions: f.result.actions,
    };
    const hash = sha256Hex(JSON.stringify(fx.actions)).slice(0, 8);
    const path = values.out !== undefined && !keepGoing ? values.out : join(values.out ?? 'fixtures', entry.name, `${mutant ? `mutant-${mutant}` : 'correct'}-${hash}.json`);
    writeFixture(path, fx);
    return path;
  };
  if (keepGoing) {
    if (raw.length === 0) {
      console.log(`RESULT: every invariant held in ${ran} scenarios${steps ? ` (${steps} steps)` : ''}`);
      console.log(`  invariants checked after every step: ${invariants.join(', ')}`);
      console.error(`  time ${seconds.toFixed(1)} s, ${Math.round(ran / seconds)} scenarios/s`);
      return 0;
    }
    const classes = distinctFailures(protocol, raw, { seed: values.seed, start, shape });
    console.log(`RESULT: ${classes.length} distinct failure(s) in ${raw.length} of ${ran} scenarios`);
    classes.forEach((c, k) => {
      console.log(`  ${k + 1}. ${c.signature}`);
      console.log(`     ${c.occurrences} scenario(s), first at index ${c.indices[0]}${c.indices.length > 1 ? ` (also ${c.indices.slice(1).join(', ')}${c.occurrences > c.indices.length ? ', ...' : ''})` : ''}`);
      if (c.failure === undefined) {
        console.log('     not shrunk (only the first 20 classes are)');
        return;
      }
      const v = c.failure.result.violation!;
      console.log(`     shrunk to ${c.failure.result.actions.length} actions: ${v.detail}`);
      const path = save(c.failure);
      if (path !== undefined) console.log(`     fixture written: ${path}  (explain: npm run cli -- explain ${path})`);
    });
    console.error(`  time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return 1;
  }
  if (failure === undefined) {
    console.log(`RESULT: every invariant held in ${ran} scenarios${steps ? ` (${steps} steps)` : ''}`);
    console.log(`  invariants checked after every step: ${invariants.join(', ')}`);
    console.error(`  time ${seconds.toFixed(1)} s, ${Math.round(ran / seconds)} scenarios/s${steps ? `, ${Math.round(steps / seconds)} steps/s` : ''}`);
    return 0;
  }
  const v = failure.result.violation!;
  console.log(`RESULT: ${v.invariant} broken after ${failure.runsToFailure} scenario(s)`);
  console.log(`  ${v.detail}`);
  console.log(`  shrunk to ${failure.result.actions.length} actions (tape of ${failure.scenario.tape.length}) in ${failure.shrinks} shrink steps; ` +
    `config n=${failure.scenario.cfg.n} byzantine=[${failure.scenario.cfg.byzantine.join(',')}] heights=${failure.scenario.cfg.heights}`);
  if (failure.seed !== undefined) {
    const same = args.filter((_a, i) => !['--seed', '--engine', '--runs', '--out', '--progress', '--workers', '--shard'].includes(args[i - 1] ?? '') &&
      !['--seed', '--engine', '--runs', '--out', '--progress', '--workers', '--shard', '--no-write'].includes(_a));
    console.log(`  fast-check replay: npm run cli -- replay --seed ${failure.seed} --path ${failure.path}${same.length ? ` ${same.join(' ')}` : ''}`);
  }
  console.error(`  time ${seconds.toFixed(1)} s`);
  const path = save(failure);
  if (path !== undefined) {
    console.log(`  fixture written: ${path}`);
    console.log(`  explain it:  npm run cli -- explain ${path}`);
  }
  return 1;
}

/**
 * Split [start, end) into K contiguous slices, one worker thread each. Every worker runs
 * its slice to the end or to its first failure; the campaign's failure is the lowest
 * failing index, so the outcome is the same for any K.
 */
async function fuzzInWorkers(
  job: Omit<WorkerJob, 'start' | 'end' | 'progressEvery'> & { start: number; end: number; progressEvery: number },
  k: number,
  progress: (done: number, total: number, steps: number, k: number) => void,
): Promise<{ runs: number; steps: number; failedAt: number | null; failures: RawFailure[] }> {
  const total = job.end - job.start;
  const done = new Array<number>(k).fill(0);
  const stepsBy = new Array<number>(k).fill(0);
  let reported = 0;
  const every = job.progressEvery > 0 ? Math.max(1, Math.floor(job.progressEvery / k)) : Number.MAX_SAFE_INTEGER;
  const results = await Promise.all(Array.from({ length: k }, (_, i) => new Promise<WorkerReport & { kind: 'done' }>((resolve, reject) => {
    const slice: WorkerJob = {
      ...job,
      mutant: job.mutant,
      start: job.start + Math.floor((total * i) / k),
      end: job.start + Math.floor((total * (i + 1)) / k),
      progressEvery: every,
    };
    // worker-entry.mjs registers tsx in the thread, then loads worker.ts.
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: slice });
    worker.on('message', (m: WorkerReport) => {
      if (m.kind === 'done') {
        resolve(m);
        return;
      }
      done[i] = m.done;
      stepsBy[i] = m.steps;
      const sum = done.reduce((a, b) => a + b, 0);
      if (job.progressEvery > 0 && sum - reported >= job.progressEvery) {
        reported = sum;
        progress(sum, total, stepsBy.reduce((a, b) => a + b, 0), k);
      }
    });
    // An error crossing the thread boundary loses its class; restore UserError (exit 2).
    worker.on('error', (e) => reject(e.name === 'UserError' ? new UserError(e.message) : e));
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`fuzz worker ${i} exited with code ${code}`));
    });
  })));
  const failures = results.map((r) => r.failedAt).filter((x): x is number => x !== null);
  return {
    runs: results.reduce((a, r) => a + r.runs, 0),
    steps: results.reduce((a, r) => a + r.steps, 0),
    failedAt: failures.length ? Math.min(...failures) : null,
    failures: results.flatMap((r) => r.failures),
  };
}
