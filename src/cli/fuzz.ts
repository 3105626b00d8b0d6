import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { loadProtocol } from '../protocols/load.ts';
import { invariantNames } from '../check/invariants.ts';
import { writeFixture } from '../trace/fixture.ts';
import { parseArgs } from 'node:util';
import { type FoundFailure, fixtureFileName, fuzz } from '../api/campaign.ts';
import { CLI, SCENARIO_HELP, SCENARIO_OPTIONS, nat, shapeFrom, withMutantNeeds } from './options.ts';

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
  --strategy guided   the default here: coverage-guided search (besides uniform, priority,
                      mixed below): keeps the scenarios that reached new abstract node states
                      and mutates them (tapes may grow to 8x --tape), a quarter of the runs
                      fresh mixed scenarios (half of those with --deliver-share 0.5 unless
                      one is given); deterministic, any --workers. It finds the deep
                      bugs (n=7 lock and commit-rule mutants) that a mixed campaign misses.
                      With --reboots it also steers to crash windows: half the runs fresh,
                      restarted nodes marked in the coverage, signing calls cut by a crash,
                      reboots spent early moved later. --engine fast-check is uniform.

${SCENARIO_HELP}`;

export async function fuzzCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: {
    ...SCENARIO_OPTIONS,
    // The fuzz command searches guided unless told otherwise (replay --seed keeps mixed).
    strategy: { type: 'string' },
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
  const loaded = await loadProtocol(values.protocol);
  const mutant = values.mutant;
  const protocol = loaded.create(mutant);
  // guided is a search strategy, not a delivery: its fresh scenarios use mixed delivery.
  // Default: guided with the seedrandom engine; fast-check's scenarios are uniform.
  const strategy = values.strategy ?? (values.engine === 'fast-check' ? 'uniform' : 'guided');
  const guided = strategy === 'guided';
  if (!['uniform', 'priority', 'mixed', 'guided'].includes(strategy)) {
    throw new UserError(`--strategy: expected uniform, priority, mixed or guided, got ${JSON.stringify(strategy)}`);
  }
  const needs = withMutantNeeds(shapeFrom({ ...values, strategy: guided ? 'mixed' : strategy }), loaded.mutants.find((m) => m.name === mutant));
  const shape = needs.shape;
  const runs = nat('runs', values.runs, 1);
  const progressEvery = nat('progress', values.progress);
  let shard: { index: number; count: number } | undefined;
  if (values.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(values.shard);
    if (!m || Number(m[1]) >= Number(m[2])) throw new UserError(`--shard: expected I/K with 0 <= I < K, got ${JSON.stringify(values.shard)}`);
    shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  const engine = values.engine;
  if (engine !== 'seedrandom' && engine !== 'fast-check') {
    throw new UserError(`--engine: expected seedrandom or fast-check, got ${JSON.stringify(engine)}`);
  }
  const keepGoing = values['keep-going'];
  if (keepGoing && engine !== 'seedrandom') throw new UserError('--keep-going needs the seedrandom engine');
  if (engine === 'fast-check' && (shape.strategy === 'priority' || guided)) {
    throw new UserError(`--strategy ${strategy} needs the seedrandom engine (fast-check scenarios are uniform)`);
  }
  const start = shard ? Math.floor((runs * shard.index) / shard.count) : 0;
  const end = shard ? Math.floor((runs * (shard.index + 1)) / shard.count) : runs;
  const label = `${protocol.name}${mutant ? ` with mutant ${mutant}` : ' (correct)'}`;
  console.log(`fuzz ${label}: scenarios ${start}..${end - 1} of seed ${JSON.stringify(values.seed)}, engine ${engine}`);
  console.log(`  n in {${shape.sizes.join(',')}}, up to ${shape.maxHeights} height(s), tapes up to ${shape.maxTape} steps, ` +
    `${shape.byzantine ? `${shape.byzantineCount !== undefined ? `${shape.byzantineCount} Byzantine node(s)` : 'up to f Byzantine nodes'}${shape.twins ? ' (Twins in half the runs)' : ''}${shape.postGst ? ', misbehaving after GST (a core may be chosen)' : ''}` : 'no Byzantine nodes'}, fault budgets ${JSON.stringify(shape.maxFaults)}` +
    `${guided ? ', guided search (corpus of scenarios reaching new abstract states, mutated)' : shape.strategy && shape.strategy !== 'uniform' ? `, ${shape.strategy} delivery` : ''}`);
  if (needs.note !== undefined) console.log(`  ${needs.note}`);
  const workers = nat('workers', values.workers, 1);
  const report = await fuzz(values.protocol, {
    seed: values.seed,
    runs,
    ...(shard ? { shard } : {}),
    shape,
    ...(mutant !== undefined ? { mutant } : {}),
    workers: engine === 'seedrandom' ? workers : 1,
    keepGoing,
    engine,
    ...(guided ? { strategy: 'guided' as const } : {}),
    progressEvery,
    onProgress: (p) => console.error(`  ... ${p.done}/${p.total} scenarios, ${p.steps} steps, ${Math.round(p.done / p.seconds)} scenarios/s${workers > 1 ? ` (${workers} workers)` : ''}`),
  });
  const { seconds, steps } = report;
  const ran = report.runs;
  const protoFlag = 'module' in loaded.ref ? ` --protocol ${values.protocol}` : '';
  const save = (f: FoundFailure): string | undefined => {
    if (values['no-write'] || f.fixture === undefined) return undefined;
    const path = values.out !== undefined && !keepGoing ? values.out : join(values.out ?? 'fixtures', fixtureFileName(f.fixture));
    writeFixture(path, f.fixture);
    return path;
  };
  const witnessLines = (): void => {
    if (report.coverage) console.log(`  guided: ${report.coverage.states} distinct abstract states, corpus of ${report.coverage.corpus} scenarios`);
    const names = Object.keys(report.witnessed);
    if (names.length === 0) return;
    console.log(`  witnesses reached (runs): ${names.map((k) => `${k} ${report.witnessed[k]}`).join(', ')}`);
    if (report.neverWitnessed.length) console.log(`  NEVER REACHED: ${report.neverWitnessed.join(', ')} (a rule no run reaches is not tested)`);
  };
  if (report.failures.length === 0) {
    const invariants = invariantNames(protocol).map((i) => (i.when === 'end' ? `${i.name} (at the end)` : i.name));
    console.log(`RESULT: every invariant held in ${ran} scenarios${steps ? ` (${steps} steps)` : ''}`);
    console.log(`  invariants checked after every step: ${invariants.join(', ')}`);
    witnessLines();
    console.error(`  time ${seconds.toFixed(1)} s, ${Math.round(ran / seconds)} scenarios/s${steps ? `, ${Math.round(steps / seconds)} steps/s` : ''}`);
    return 0;
  }
  if (keepGoing) {
    const failing = report.failures.reduce((a, f) => a + f.occurrences, 0);
    console.log(`RESULT: ${report.failures.length} distinct failure(s) in ${failing} of ${ran} scenarios`);
    report.failures.forEach((f, k) => {
      console.log(`  ${k + 1}. ${f.signature}`);
      console.log(`     ${f.occurrences} scenario(s), first at index ${f.indices[0]}${f.indices.length > 1 ? ` (also ${f.indices.slice(1).join(', ')}${f.occurrences > f.indices.length ? ', ...' : ''})` : ''}`);
      if (f.fixture === undefined) {
        console.log('     not shrunk (only the first 20 classes are)');
        return;
      }
      console.log(`     shrunk to ${f.fixture.actions.length} actions: ${f.detail}`);
      const path = save(f);
      if (path !== undefined) console.log(`     fixture written: ${path}  (explain: ${CLI} explain ${path}${protoFlag})`);
    });
    witnessLines();
    console.error(`  time ${seconds.toFixed(1)} s`);
    return 1;
  }
  const f = report.failures[0]!;
  const fx = f.fixture!;
  console.log(`RESULT: ${f.invariant} broken after ${f.indices[0]! - start + 1} scenario(s)`);
  console.log(`  ${f.detail}`);
  console.log(`  shrunk to ${fx.actions.length} actions (tape of ${fx.found?.tape?.length ?? 0}) in ${f.shrinks} shrink steps; ` +
    `config n=${fx.config.n} byzantine=[${fx.config.byzantine.join(',')}] heights=${fx.config.heights}`);
  if (f.fastCheck !== undefined) {
    const same = args.filter((_a, i) => !['--seed', '--engine', '--runs', '--out', '--progress', '--workers', '--shard'].includes(args[i - 1] ?? '') &&
      !['--seed', '--engine', '--runs', '--out', '--progress', '--workers', '--shard', '--no-write'].includes(_a));
    console.log(`  fast-check replay: ${CLI} replay --seed ${f.fastCheck.seed} --path ${f.fastCheck.path}${same.length ? ` ${same.join(' ')}` : ''}`);
  }
  console.error(`  time ${seconds.toFixed(1)} s`);
  const path = save(f);
  if (path !== undefined) {
    console.log(`  fixture written: ${path}`);
    console.log(`  explain it:  ${CLI} explain ${path}${protoFlag}`);
  }
  return 1;
}
