/**
 * Measures the kill budgets of streamlet.test.ts: runs to kill each mutant over 8 seeds.
 *
 *   npx tsx examples/streamlet/measure-kills.ts            # with Streamlet's properties
 *   npx tsx examples/streamlet/measure-kills.ts generic finalize-on-two,count-duplicate-votes
 *                                                          # generic invariants only, these mutants
 *
 * A budget must be >= 5x the median and >= 2x the worst.
 */
import { defineProtocol } from 'consensus-harness';
import streamlet, { mutants } from './protocol.ts';
import { fullShape, runsToKill } from './kill.ts';

const SEEDS = ['streamlet', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];
const LIMIT = 20_000;
const generic = process.argv[2] === 'generic';
const only = process.argv[3]?.split(',');

for (const { name } of mutants) {
  if (only !== undefined && !only.includes(name)) continue;
  const spec = streamlet(name);
  const protocol = defineProtocol(generic ? { ...spec, properties: [] } : spec, name);
  const kills = SEEDS.map((seed) => runsToKill(protocol, seed, fullShape(), LIMIT));
  const runs = kills.map((k) => k.runs);
  const sorted = [...runs].sort((a, b) => a - b);
  const median = (sorted[3]! + sorted[4]!) / 2;
  const by = [...new Set(kills.map((k) => k.invariant ?? `none in ${LIMIT}`))].join('/');
  console.log(`${name.padEnd(22)} ${runs.join(',').padEnd(32)} median ${median} worst ${sorted[7]} (${by}) -> budget >= ${Math.max(5 * median, 2 * sorted[7]!)}`);
}
