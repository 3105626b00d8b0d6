/**
 * npm run soak: the long campaign that backs "no false alarm" (not part of npm test).
 * For every built-in protocol (as designed; variants by --protocol): 1,000,000 scenarios (by default) with Byzantine nodes,
 * Twins in half of them, the mixed delivery strategy, on all cores, keep-going; one
 * verdict line per protocol on stdout, progress on stderr. Exit 1 if anything broke.
 *
 *   npm run soak -- [--runs N] [--protocol NAME,...] [--workers K] [--seed S]
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { fuzz } from '../src/api/campaign.ts';
import { PROTOCOLS } from '../src/protocols/registry.ts';

const { values } = parseArgs({ options: {
  runs: { type: 'string', default: '1000000' },
  protocol: { type: 'string' },
  workers: { type: 'string', default: String(availableParallelism()) },
  seed: { type: 'string', default: 'soak' },
  help: { type: 'boolean', short: 'h', default: false },
} });
if (values.help) {
  console.log('usage: npm run soak -- [--runs N (default 1000000)] [--protocol NAME,... (default: tendermint, the three hotstuff variants, pow, ibft, qbft)] [--workers K (default: cores)] [--seed S]');
  process.exit(0);
}
const runs = Number(values.runs);
// The protocols as designed; the other registry entries are configurations or known-flawed
// variants (ibft-2f1 loses agreement by design) and can be named with --protocol.
const MAIN = ['tendermint', 'hotstuff', 'hotstuff-alg4', 'hotstuff-jolteon', 'pow', 'ibft', 'qbft'];
const names = values.protocol ? values.protocol.split(',') : MAIN.filter((n) => PROTOCOLS[n] !== undefined);
for (const name of names) if (PROTOCOLS[name] === undefined) throw new Error(`unknown protocol ${name} (known: ${Object.keys(PROTOCOLS).join(', ')})`);
const workers = Number(values.workers);
console.log(`soak: ${runs} scenarios per protocol, seed ${JSON.stringify(values.seed)}, ${workers} workers, node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
console.log('  shape: n=4, up to f Byzantine nodes (Twins in half the runs with one), every fault kind, mixed delivery, up to 2 heights');
let bad = 0;
for (const name of names) {
  const report = await fuzz(name, {
    seed: values.seed,
    runs,
    workers,
    keepGoing: true,
    shape: { twins: true, strategy: 'mixed' },
    progressEvery: Math.max(10_000, Math.floor(runs / 20)),
    onProgress: (p) => console.error(`  ${name}: ${p.done}/${p.total} (${Math.round(p.done / p.seconds)}/s)`),
  });
  const failing = report.failures.reduce((a, f) => a + f.occurrences, 0);
  const rate = `${Math.round(report.runs / report.seconds)} scenarios/s, ${(report.steps / 1e6).toFixed(1)} M steps, ${report.seconds.toFixed(0)} s`;
  if (failing === 0) console.log(`${name.padEnd(18)} OK    ${report.runs} scenarios, no invariant broken (${rate})`);
  else {
    bad++;
    console.log(`${name.padEnd(18)} FAIL  ${failing} of ${report.runs} scenarios broke ${report.failures.map((f) => `${f.invariant} (x${f.occurrences}, first ${f.indices[0]})`).join(', ')} (${rate})`);
  }
}
process.exit(bad === 0 ? 0 : 1);
