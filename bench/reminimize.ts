/**
 * Re-minimize fixtures through the minimization pipeline (issue 10, "every fixture is
 * re-minimized"): a fixture is rewritten only if its adversary part (actions up to and
 * including GST) got shorter while it breaks the same invariant with the same detail (its
 * story tells that detail: node ids, values, rounds), under the same config. Name, story,
 * expected outcome and config stay; the actions are replaced, found.tape becomes a tape that
 * re-derives the new actions (uniform delivery) when one can be written, and found.by says so. Fixtures that
 * hold, stories that cite step numbers and constructed schedules are left alone.
 *
 *   npx tsx bench/reminimize.ts                       dry run over fixtures/ and examples/*\/fixtures/
 *   npx tsx bench/reminimize.ts --write               rewrite the fixtures that improved
 *   npx tsx bench/reminimize.ts --write fixtures/tendermint/mutant-lock-ignored.json
 */
import { parseArgs } from 'node:util';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Protocol } from '../src/core/types.ts';
import { createProtocol } from '../src/protocols/registry.ts';
import { loadProtocol } from '../src/protocols/load.ts';
import { type Fixture, expectationMismatch, readFixture, writeFixture } from '../src/trace/fixture.ts';
import { runActions } from '../src/check/execute.ts';
import { minimize } from '../src/minimize/pipeline.ts';
import { adversaryLength } from '../src/minimize/actions.ts';
import type { Action } from '../src/sim/actions.ts';

const { values, positionals } = parseArgs({
  options: {
    write: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});
if (values.help) {
  console.log(`usage: npx tsx bench/reminimize.ts [--write] [fixture.json...]

Minimize each fixture's action list again (causal slice, ddmin, timers, one at a time,
explicit tail; the config is kept) and report the adversary length before and after. With
--write, rewrite the fixtures that got shorter with the same invariant and the same violation
detail. Without files: every fixture under fixtures/ and examples/*/fixtures/ (an example's
protocol is loaded from examples/<name>/protocol.ts).`);
  process.exit(0);
}

const ROOT = join(import.meta.dirname, '..');
function defaultFiles(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(join(ROOT, 'fixtures'))) {
    for (const f of readdirSync(join(ROOT, 'fixtures', dir))) if (f.endsWith('.json')) out.push(join('fixtures', dir, f));
  }
  for (const ex of readdirSync(join(ROOT, 'examples'))) {
    const dir = join(ROOT, 'examples', ex, 'fixtures');
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.endsWith('.json')) out.push(join('examples', ex, 'fixtures', f));
  }
  return out.sort();
}

// Example protocols by fixture protocol name, loaded from examples/<name>/protocol.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const examples = new Map<string, (mutant: string | null) => Protocol<any, any>>();
for (const ex of readdirSync(join(ROOT, 'examples'))) {
  const path = join(ROOT, 'examples', ex, 'protocol.ts');
  if (!existsSync(path)) continue;
  const loaded = await loadProtocol(path);
  examples.set(loaded.create(undefined).name, (m) => loaded.create(m ?? undefined));
}
const resolve = (name: string, mutant: string | null) => examples.get(name)?.(mutant) ?? createProtocol(name, mutant);

const MARK = 're-minimized (bench/reminimize.ts)';
const reminimized = (by: string) => (by.includes(MARK) ? by : `${by}, ${MARK}`);
const length = (actions: readonly Action<unknown>[]) => adversaryLength(actions);
let rewritten = 0;
for (const file of positionals.length > 0 ? positionals : defaultFiles()) {
  const fx = readFixture(file, resolve);
  const protocol = resolve(fx.protocol, fx.mutant);
  const before = runActions(protocol, fx.config, fx.actions);
  const old = length(fx.actions as readonly Action<unknown>[]);
  if (fx.expect.outcome === 'holds' || before.violation === undefined) {
    console.log(`skip ${file}: holds (${old} adversary actions)`);
    continue;
  }
  if (/\bsteps? \d/.test(fx.story)) {
    console.log(`skip ${file}: its story cites step numbers`);
    continue;
  }
  // A schedule written by hand tells its construction action by action (tests slice it).
  if (/constructed|scripted|by hand/.test(fx.found?.by ?? '')) {
    console.log(`skip ${file}: a constructed schedule (found.by: ${fx.found!.by})`);
    continue;
  }
  const t0 = performance.now();
  const m = minimize(protocol, { cfg: fx.config, actions: fx.actions }, { config: false, exact: true });
  const ms = performance.now() - t0;
  const now = length(m.result.actions as readonly Action<unknown>[]);
  const v = m.result.violation;
  const same = v !== undefined && v.invariant === before.violation.invariant && v.detail === before.violation.detail;
  const next: Fixture = {
    ...fx,
    actions: m.result.actions,
    ...(fx.found !== undefined ? { found: { ...fx.found, by: reminimized(fx.found.by), ...(m.scenario !== undefined ? { tape: m.scenario.tape } : {}), priority: undefined } } : {}),
  };
  const replay = runActions(protocol, fx.config, next.actions);
  const ok = same && now < old && replay.skipped.length === 0 && expectationMismatch(next, replay) === undefined;
  console.log(`${ok ? (values.write ? 'rewrote' : 'would rewrite') : 'keep'} ${file}: ${old} -> ${now} adversary actions (${fx.actions.length} -> ${m.result.actions.length} in all), ${(ms / 1000).toFixed(1)} s${same ? '' : ', violation detail changed'}`);
  if (ok && values.write) {
    writeFixture(join(ROOT, file), JSON.parse(JSON.stringify(next)) as Fixture);
    rewritten++;
  }
}
if (values.write) console.log(`${rewritten} fixture(s) rewritten`);
