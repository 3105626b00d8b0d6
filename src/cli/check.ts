import { parseArgs } from 'node:util';
import { UserError } from '../core/errors.ts';
import { clusterConfig } from '../core/config.ts';
import { maxFaulty } from '../core/quorum.ts';
import { loadProtocol } from '../protocols/load.ts';
import { exhaustive, exhaustiveFixture } from '../search/exhaustive.ts';
import { writeFixture } from '../trace/fixture.ts';
import { CLI, nat } from './options.ts';

const HELP = `usage: consensus-harness check --exhaustive --depth D [options]

Enumerate every action sequence of at most D actions from the initial world of one small
configuration, breadth first, each distinct world (64-bit fingerprint of its canonical
form, message ids left out) expanded once, every safety invariant checked after every step.
Prints states per depth, distinct states, states/s and memory, and either "no violation up
to depth D" or a shortest counterexample, saved as a fixture with --out. Termination is not
judged (runs are cut at depth D).

options:
  --exhaustive        the mode (required: the only one 'check' has today)
  --depth D           longest action sequence (required)
  --protocol P        a built-in name or the module of your own protocol (default tendermint)
  --mutant M          a deliberately buggy variant
  --n N               cluster size (default 4); f = floor((n-1)/3)
  --heights H         heights (default 1)
  --byzantine LIST    Byzantine node ids, comma separated (default none)
  --drops/--duplicates/--crashes/--partitions/--injections K
                      exact fault budgets of the one configuration (default 0)
  --reboots K         crash-recovery: up to K restarts from disk (the node's durable data,
                      and whether it is down wiped, are part of the fingerprint)
  --gst               also enumerate GST (then every delivery and timer order after it)
  --no-reduction      sleep-set reduction off: same states per depth, more transitions
  --max-states N      stop, incomplete, after N distinct states (default 2,000,000)
  --out FILE          save a counterexample as a fixture`;

export async function checkCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: {
    exhaustive: { type: 'boolean', default: false },
    depth: { type: 'string' },
    protocol: { type: 'string', default: 'tendermint' },
    mutant: { type: 'string' },
    n: { type: 'string', default: '4' },
    heights: { type: 'string', default: '1' },
    byzantine: { type: 'string', default: '' },
    drops: { type: 'string', default: '0' },
    duplicates: { type: 'string', default: '0' },
    crashes: { type: 'string', default: '0' },
    partitions: { type: 'string', default: '0' },
    injections: { type: 'string', default: '0' },
    reboots: { type: 'string', default: '0' },
    gst: { type: 'boolean', default: false },
    'no-reduction': { type: 'boolean', default: false },
    'max-states': { type: 'string', default: '2000000' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  }, allowPositionals: false, strict: true });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.exhaustive) throw new UserError('check: give --exhaustive (see --help)');
  if (values.depth === undefined) throw new UserError('check --exhaustive: give --depth D');
  const depth = nat('depth', values.depth, 1);
  const n = nat('n', values.n, 2);
  const byzantine = values.byzantine === '' ? [] : values.byzantine.split(',').map((x) => nat('byzantine', x));
  const cfg = clusterConfig(n, {
    f: maxFaulty(n),
    heights: nat('heights', values.heights, 1),
    byzantine,
    faults: {
      drops: nat('drops', values.drops),
      duplicates: nat('duplicates', values.duplicates),
      crashes: nat('crashes', values.crashes),
      partitions: nat('partitions', values.partitions),
      injections: nat('injections', values.injections),
      ...(nat('reboots', values.reboots) > 0 ? { reboots: nat('reboots', values.reboots) } : {}),
    },
  });
  const protocol = (await loadProtocol(values.protocol)).create(values.mutant);
  console.log(`check ${protocol.name}${values.mutant ? ` with mutant ${values.mutant}` : ''}: exhaustive to depth ${depth}, n=${cfg.n} f=${cfg.f} byzantine=[${byzantine.join(',')}] faults ${JSON.stringify(cfg.faults)}${values.gst ? ', GST enumerated' : ''}`);
  const report = exhaustive(protocol, cfg, {
    depth,
    maxStates: nat('max-states', values['max-states'], 1),
    gst: values.gst,
    reduce: !values['no-reduction'],
    onLevel: (d, r) => console.error(`  depth ${d}: ${r.distinct} distinct states, ${r.transitions} transitions, ${Math.round(r.distinctPerSecond)} distinct/s`),
  });
  console.log(`RESULT: ${report.verdict}`);
  console.log(`  new distinct states per depth: ${report.levels.join(', ')}; ${report.distinct} distinct, ${report.transitions} transitions${report.reduction ? ` (${report.skipped} more left asleep by the sleep-set reduction)` : ''}${report.truncated ? ' (stopped at --max-states)' : ''}${report.exhausted ? ' (the whole reachable space)' : ''}`);
  console.error(`  time ${report.seconds.toFixed(1)} s (${report.cpuSeconds.toFixed(1)} CPU s), ${Math.round(report.distinctPerSecond)} distinct/s, heap ${(report.memory.heapUsedBytes / 2 ** 20).toFixed(0)} MiB, visited set ${(report.memory.visitedBytes / 2 ** 20).toFixed(0)} MiB`);
  if (report.counterexample === undefined) return 0;
  console.log(`  shortest counterexample: ${report.counterexample.length} actions`);
  if (values.out !== undefined) {
    writeFixture(values.out, exhaustiveFixture(report) as never);
    console.log(`  fixture written: ${values.out}  (explain: ${CLI} explain ${values.out})`);
  }
  return 1;
}
