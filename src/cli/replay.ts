import { createProtocol } from '../protocols/registry.ts';
import { isModuleSpecifier, loadProtocol } from '../protocols/load.ts';
import type { ProtocolResolver } from '../trace/fixture.ts';
import { huntWithFastCheck } from '../search/fastcheck.ts';
import { type Fixture, driftReport, expectationMismatch, readFixture, writeFixture } from '../trace/fixture.ts';
import { type RunResult, runActions, runTape } from '../check/execute.ts';
import { timeline } from '../trace/explain.ts';
import { sequenceChart } from '../trace/chart.ts';
import { itfText, toItf } from '../trace/itf.ts';
import { writeFileSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import { parseArgs } from 'node:util';
import { SCENARIO_HELP, SCENARIO_OPTIONS, nat, shapeFrom, withMutantNeeds } from './options.ts';

const REPLAY_HELP = `usage: consensus-harness replay [--update] <fixture.json>...
       consensus-harness replay --seed N --path P [scenario options]

With fixtures: replay each one's explicit action list, check its expected outcome, and
print the run's fingerprint (SHA-256 of the timeline and final states: the same
fixture always gives the same fingerprint). Exit 1 if any fixture does not replay as
expected.

A recorded action that the protocol no longer enables (a refactor moved a timer, a message
is no longer sent) is skipped and reported: the fixture "drifted". Its expected outcome is
still checked. --update re-records drifted fixtures: the replayed schedule if it still
shows the expected outcome, else the run re-derived from the fixture's tape (found.tape).

With --seed/--path: replay the counterexample fast-check reported (fuzz --engine fast-check
prints both), with the same scenario options as the run that found it.

${SCENARIO_HELP}`;

export async function replayCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: { ...SCENARIO_OPTIONS, seed: { type: 'string' }, path: { type: 'string' }, update: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  if (values.help) {
    console.log(REPLAY_HELP);
    return 0;
  }
  if (values.seed !== undefined) {
    if (values.path === undefined) throw new UserError('--seed needs --path (both are printed by fuzz --engine fast-check)');
    const loaded = await loadProtocol(values.protocol);
    const protocol = loaded.create(values.mutant);
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new UserError(`--seed: expected an integer, got ${JSON.stringify(values.seed)}`);
    if (!/^\d+(:\d+)*$/.test(values.path)) throw new UserError(`--path: expected numbers separated by colons (as fast-check prints it), got ${JSON.stringify(values.path)}`);
    // The shape fuzz ran: what a mutant needs of the adversary (--reboots, --post-gst) is turned on
    // there by --mutant, so here too, or the path walks a different arbitrary.
    const { shape } = withMutantNeeds(shapeFrom(values), loaded.mutants.find((m) => m.name === values.mutant));
    const failure = huntWithFastCheck(protocol, { seed, numRuns: 1, path: values.path, shape });
    if (failure === undefined) {
      console.log('the counterexample at that seed and path passes: every invariant held');
      return 0;
    }
    const t = timeline(protocol, failure.scenario.cfg, failure.result.actions);
    console.log(t.lines.join('\n'));
    return 1;
  }
  if (positionals.length === 0) throw new UserError('replay: give a fixture file, or --seed and --path (see --help)');
  const resolve = await resolverFromFlag(values.protocol);
  let bad = 0;
  for (const file of positionals) {
    const fx = readFixture(file, resolve);
    const protocol = resolve(fx.protocol, fx.mutant);
    const t = withFile(file, () => timeline(protocol, fx.config, fx.actions, { quiet: true }));
    const mismatch = expectationMismatch(fx, t.result);
    const drift = driftReport(t.result);
    const v = t.result.violation;
    const outcome = v === undefined ? 'holds' : `violates ${v.invariant} at step ${v.step}`;
    console.log(`${mismatch === undefined ? (drift ? 'ok, drifted' : 'ok  ') : 'FAIL'} ${file}: ${outcome} (${fx.actions.length} actions) fingerprint ${t.fingerprint.slice(0, 16)}`);
    if (drift !== undefined) console.log(`     ${drift}`);
    if (mismatch !== undefined) console.log(`     ${mismatch}`);
    if (values.update && (drift !== undefined || mismatch !== undefined)) {
      const updated = rerecord(fx, t.result, mismatch, resolve);
      if (updated === undefined) {
        console.log(`     not updated: the recorded schedule no longer shows the expected outcome${fx.found?.tape ? ', nor does its tape' : ' and the fixture carries no tape to re-derive it from'}`);
      } else {
        writeFixture(file, updated.fixture);
        console.log(`     updated: ${updated.how}, ${updated.fixture.actions.length} actions`);
        continue;
      }
    }
    if (mismatch !== undefined) bad++;
  }
  return bad === 0 ? 0 : 1;
}

/**
 * Re-record a drifted fixture: keep what the replay actually ran when it still shows the
 * expected outcome; otherwise re-derive the run from the fixture's tape, if it has one.
 */
function rerecord(fx: Fixture, replayed: RunResult<unknown, unknown>, mismatch: string | undefined, resolve: ProtocolResolver): { fixture: Fixture; how: string } | undefined {
  if (mismatch === undefined) return { fixture: { ...fx, actions: replayed.actions }, how: 're-recorded the replayed schedule (skipped actions removed)' };
  const tape = fx.found?.tape;
  if (tape === undefined) return undefined;
  const run = runTape(resolve(fx.protocol, fx.mutant), fx.config, tape, { priority: fx.found?.priority });
  const candidate: Fixture = { ...fx, actions: run.actions };
  const check = runActions(resolve(fx.protocol, fx.mutant), fx.config, candidate.actions);
  if (expectationMismatch(candidate, check) !== undefined) return undefined;
  return { fixture: candidate, how: 're-derived from the fixture\'s tape' };
}

const EXPLAIN_HELP = `usage: consensus-harness explain <fixture.json> [--quiet] [--last N] [--chart FILE.html] [--itf FILE.itf.json] [--protocol ./my-protocol.ts]

Replay a fixture and print a readable timeline: every action (delivered, dropped,
duplicated, injected, timers, partitions, crashes), what each node did in response
(step, round and lock changes, messages sent, decisions), and the first broken invariant.
  --quiet     only actions and decisions, not each node's reaction
  --tail      also show the synchronous tail after GST action by action (folded by default:
              it is the harness's FIFO network, not the adversary's choice)
  --last N    only the last N actions (the end of a long run is where it breaks)
  --chart F   also write a message sequence chart of the run to F (self-contained HTML)
  --itf F     also write the run as an ITF trace (Informal Trace Format, Apalache/Quint JSON)
  --protocol M  the module of your own protocol, when the fixture is for it (built-ins need nothing)`;

export async function explainCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: {
    quiet: { type: 'boolean', default: false },
    last: { type: 'string' },
    chart: { type: 'string' },
    itf: { type: 'string' },
    tail: { type: 'boolean', default: false },
    protocol: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  }, allowPositionals: true, strict: true });
  if (values.help) {
    console.log(EXPLAIN_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UserError('explain: give exactly one fixture file (see --help)');
  const resolve = await resolverFromFlag(values.protocol);
  const fx = readFixture(positionals[0]!, resolve);
  const t = withFile(positionals[0]!, () => timeline(resolve(fx.protocol, fx.mutant), fx.config, fx.actions, { quiet: values.quiet, foldTail: !values.tail }));
  console.log(`story: ${fx.story}`);
  console.log(`expected: ${fx.expect.outcome === 'holds' ? 'every invariant holds' : `${fx.expect.invariant} is violated`}`);
  let lines = t.lines;
  if (values.last !== undefined) {
    const n = nat('last', values.last);
    const cut = lines.findIndex((l) => new RegExp(`^\\s*${Math.max(0, fx.actions.length - n)}  `).test(l));
    if (cut > 0) lines = [lines[0]!, `      ... (${fx.actions.length - n} earlier actions)`, ...lines.slice(cut)];
  }
  console.log(lines.join('\n'));
  if (values.chart !== undefined) {
    const html = sequenceChart(resolve(fx.protocol, fx.mutant), fx.config, fx.actions, `${positionals[0]}: ${fx.story}`);
    writeFileSync(values.chart, html);
    console.log(`chart written: ${values.chart}`);
  }
  if (values.itf !== undefined) {
    writeFileSync(values.itf, itfText(toItf(resolve(fx.protocol, fx.mutant), fx.config, fx.actions, { source: positionals[0]!, description: fx.story })));
    console.log(`ITF trace written: ${values.itf}`);
  }
  const mismatch = expectationMismatch(fx, t.result);
  if (mismatch !== undefined) console.log(`NOTE: the fixture does not replay as expected: ${mismatch}`);
  return mismatch === undefined ? 0 : 1;
}

/**
 * Fixtures name their protocol. With --protocol ./module, that module's protocol serves
 * fixtures of its name; everything else comes from the built-in registry.
 */
async function resolverFromFlag(flag: string | undefined): Promise<ProtocolResolver> {
  if (flag === undefined || !isModuleSpecifier(flag)) return createProtocol;
  const loaded = await loadProtocol(flag);
  const name = loaded.create(undefined).name;
  return (fxName, mutant) => (fxName === name ? loaded.create(mutant) : createProtocol(fxName, mutant));
}

/** Name the fixture in an error its replay raises (an action that is no longer enabled). */
function withFile<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${file}: ${e.message}`);
    throw e;
  }
}
