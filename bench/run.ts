/**
 * npm run bench: throughput and bug-finding figures. Timings live here, never in npm test.
 *
 *   npm run bench                      all protocols
 *   npm run bench -- --protocol tendermint --runs 5000
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { DEFAULT_SHAPE, type ScenarioShape } from '../src/adversary/arbitraries.ts';
import { fuzzScenario } from '../src/adversary/fuzzer.ts';
import { runTape } from '../src/check/execute.ts';
import { fuzzCampaign } from '../src/search/random.ts';
import { PROTOCOLS } from '../src/protocols/registry.ts';
import type { Protocol } from '../src/core/types.ts';
import { whitepaperReport } from '../src/protocols/pow/whitepaper.ts';
import { formatHotStuffFigures, hotstuffFigures } from './hotstuff.ts';

const { values } = parseArgs({
  options: {
    protocol: { type: 'string' },
    runs: { type: 'string', default: '5000' },
    'kill-budget': { type: 'string', default: '30000' },
    'kill-sizes': { type: 'string', default: '4,7' },
    repeat: { type: 'string', default: '3' },
    'no-kills': { type: 'boolean', default: false },
    whitepaper: { type: 'string', default: '6000' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run bench -- [--protocol NAME] [--runs N] [--repeat K] [--kill-budget N] [--kill-sizes 4,7] [--no-kills] [--whitepaper TRIALS]
                        [--only throughput,kills,whitepaper,hotstuff,minimize,search,exhaustive]

Throughput (scenarios/s and steps/s, one core, the fuzz command's default scenario shape
for n=4 and n=7) and bug finding (per mutant: scenarios and seconds to the first failure,
shrinking time and the shrunk counterexample's length), and for pow the whitepaper's
attacker race (Nakamoto 2008, section 11) against the paper's table (0 trials = skip).
Then, each in its own process (run alone with --help for their options):
  minimize    bench/minimize.ts: shrunk length per stage and shrink time per mutant, vs the BFS shortest
  search      bench/search.ts: runs and seconds to first failure per strategy (uniform, priority,
              mixed, guided) and distinct abstract states per second
  exhaustive  bench/exhaustive.ts: exhaustive mode's distinct states/s and depth to each shallow mutant
--only picks sections (default: all); --no-kills keeps throughput and whitepaper.`);
  process.exit(0);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function throughput(protocol: Protocol<any, any>, shape: ScenarioShape, runs: number) {
  // Warm up the JIT on a different seed so the measured runs are steady state.
  for (let i = 0; i < Math.min(500, runs); i++) {
    const sc = fuzzScenario('warmup', i, shape);
    runTape(protocol, sc.cfg, sc.tape);
  }
  const scenarios = Array.from({ length: runs }, (_, i) => fuzzScenario('bench', i, shape));
  let steps = 0;
  let failures = 0;
  // CPU time of this process (one core), not wall time: on a shared machine the wall clock
  // also counts the time other processes held the core.
  const c0 = process.cpuUsage();
  for (const sc of scenarios) {
    const r = runTape(protocol, sc.cfg, sc.tape);
    steps += r.actions.length;
    if (r.violation) failures++;
  }
  const c1 = process.cpuUsage(c0);
  const s = (c1.user + c1.system) / 1e6;
  return { scenariosPerSecond: runs / s, stepsPerSecond: steps / s, stepsPerScenario: steps / runs, failures };
}

const SECTIONS = ['throughput', 'kills', 'whitepaper', 'hotstuff', 'minimize', 'search', 'exhaustive'];
const only = values.only === undefined ? SECTIONS : values.only.split(',');
for (const s of only) if (!SECTIONS.includes(s)) { console.error(`bench: unknown section ${JSON.stringify(s)} (sections: ${SECTIONS.join(', ')})`); process.exit(2); }
// --no-kills keeps the throughput figures only (the other sections all hunt bugs).
const on = (s: string) => only.includes(s) && (!values['no-kills'] || s === 'throughput' || s === 'whitepaper');
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`consensus-harness bench: node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}, 1 core`);
const runs = Number(values.runs);
const entries = Object.values(PROTOCOLS).filter((e) => values.protocol === undefined || values.protocol === e.name);
// Throughput first, for every protocol: the long kill campaigns fill the id caches and the
// heap, and measured after them the same runs were up to 35% slower.
console.log('\nthroughput (correct protocol; CPU time of this process; generation of scenarios not timed; repetitions interleaved):');
// The same measurement repeated: on a shared virtual machine one run can be 2x another.
const repeat = Math.max(1, Number(values.repeat));
console.log(`(median of ${repeat} repetitions, min-max in brackets)`);
console.log('| protocol | n | scenarios/s | steps/s | steps/scenario | failures |');
console.log('|---|---|---|---|---|---|');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${fmt(median(xs))} [${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}]`;
// Repetitions interleaved (every protocol once, then again): a slow spell of the machine then
// lowers one repetition of many protocols, which the median drops, not every repetition of one.
const cases = (on('throughput') ? entries : []).flatMap((entry) => [4, 7].map((n) => ({ entry, n })));
const measuredRuns = cases.map(() => [] as ReturnType<typeof throughput>[]);
for (let k = 0; k < repeat; k++) {
  cases.forEach(({ entry, n }, i) => measuredRuns[i]!.push(throughput(entry.create(), { ...DEFAULT_SHAPE, sizes: [n] }, n === 4 ? runs : Math.ceil(runs / 4))));
}
cases.forEach(({ entry, n }, i) => {
  const rs = measuredRuns[i]!;
  const r = rs[0]!;
  console.log(`| ${entry.name} | ${n} | ${spread(rs.map((x) => x.scenariosPerSecond))} | ${spread(rs.map((x) => x.stepsPerSecond))} | ${r.stepsPerScenario.toFixed(1)} | ${r.failures} |`);
});
for (const entry of entries) {
  if (!on('kills')) break;
  console.log(`\n## ${entry.name}`);
  const budget = Number(values['kill-budget']);
  for (const n of values['kill-sizes'].split(',').map(Number)) {
    const shape = { ...DEFAULT_SHAPE, sizes: [n] };
    console.log(`\nbug finding (seedrandom fuzzer, seed "bench", n=${n} default shape, budget ${budget}):`);
    console.log('| mutant | killed by | runs to failure | time to failure (s) | shrink (s) | shrunk actions | shrunk tape |');
    console.log('|---|---|---|---|---|---|---|');
    for (const m of entry.mutants) {
      const protocol = entry.create(m.name);
      const t0 = performance.now();
      const found = fuzzCampaign(protocol, { seed: 'bench', start: 0, end: budget, shrink: false, shape });
      const t1 = performance.now();
      if (found.failure === undefined) {
        console.log(`| ${m.name} | SURVIVED | > ${budget} | ${((t1 - t0) / 1000).toFixed(2)} | | | |`);
        continue;
      }
      const shrunk = fuzzCampaign(protocol, { seed: 'bench', start: found.runs - 1, end: found.runs, shape });
      const t2 = performance.now();
      const f = shrunk.failure!;
      console.log(`| ${m.name} | ${f.result.violation!.invariant} | ${found.runs} | ${((t1 - t0) / 1000).toFixed(2)} | ${((t2 - t1) / 1000).toFixed(2)} | ${f.result.actions.length} | ${f.scenario.tape.length} |`);
    }
  }
}

if (on('whitepaper') && (values.protocol === undefined || values.protocol === 'pow') && Number(values.whitepaper) > 0) {
  const report = whitepaperReport({ trials: Number(values.whitepaper), seed: 'bench' });
  console.log(`\n## pow: attacker race vs Nakamoto 2008 section 11 (${values.whitepaper} trials per cell, ${report.seconds.toFixed(1)} s)\n`);
  console.log(report.text);
  console.log(report.consistent ? '\nevery cell within its 99.9% interval' : '\nSOME CELLS OUTSIDE THEIR 99.9% INTERVAL');
}

if (on('hotstuff') && (values.protocol === undefined || values.protocol.startsWith('hotstuff')) && !values['no-kills']) {
  // The HotStuff family: each variant's witnesses (sometimes-properties) and its mutants' kill figures.
  console.log('\n## hotstuff variants: witnesses reached and kill figures (Twins, mixed delivery)\n');
  console.log(formatHotStuffFigures(hotstuffFigures({ runs: Number(values.runs) })));
}

// The other benchmarks, each in its own process (a fresh heap: figures do not depend on what ran before).
for (const [section, file] of [['minimize', 'minimize.ts'], ['search', 'search.ts'], ['exhaustive', 'exhaustive.ts']] as const) {
  if (!on(section)) continue;
  console.log(`\n## ${section} (bench/${file})\n`);
  const args = ['--import', 'tsx', join(import.meta.dirname, file), ...(values.protocol !== undefined && section !== 'exhaustive' ? ['--protocol', values.protocol] : [])];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) console.log(`(bench/${file} exited with ${r.status})`);
}
