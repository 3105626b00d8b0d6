/**
 * The gate users can trust under change: an exception in protocol code is a finding
 * (shrunk, saved, replayed), a fixture whose recorded schedule drifted from a refactored
 * protocol still checks its outcome, failures found by tests go to a temporary directory,
 * and a campaign can keep going past its first failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../src/core/types.ts';
import { runActions, runTape } from '../src/check/execute.ts';
import { distinctFailures, fuzzCampaign } from '../src/search/random.ts';
import { type Fixture, FIXTURE_FORMAT, driftReport, expectationMismatch, readFixture, writeFixture } from '../src/trace/fixture.ts';
import { type TendermintMessage, tendermint } from '../src/protocols/tendermint/index.ts';
import { FIXTURE_ROOT, expectSurvives } from './support.ts';

const ROOT = join(import.meta.dirname, '..');

type TM = TendermintMessage;

/** Tendermint with a planted crash: a precommit of round >= 1 makes the reducer throw. */
function throwsOnLatePrecommit(): Protocol<unknown, TM> {
  const base = tendermint() as unknown as Protocol<unknown, TM>;
  return {
    ...base,
    onMessage(s, from, m) {
      if (m.type === 'precommit' && m.round >= 1) throw new RangeError(`index ${m.round} out of range`);
      return base.onMessage(s, from, m);
    },
  };
}

// Runs to the planted bug over 8 seeds (fuzzCampaign, shrink off): the late-precommit throw 1 on
// every seed; the Byzantine-vocabulary throw 4, 5, 1, 1, 10, 7, 3, 2 (median 4, worst 10). The
// budgets below (2,000 and 3,000) are far above 5x the median and 2x the worst.
describe('an exception in protocol code is a finding', () => {
  it('is reported as the violation "exception" with the function and the frame, shrunk, and replays', () => {
    const protocol = throwsOnLatePrecommit();
    const out = fuzzCampaign(protocol, { seed: 'gate', start: 0, end: 2000 });
    const f = out.failure;
    expect(f, 'the planted throw was never reached').toBeDefined();
    const v = f!.result.violation!;
    expect(v.invariant).toBe('exception');
    expect(v.detail).toMatch(/^onMessage threw RangeError: index \d+ out of range \(at properties\/gate\.test\.ts:\d+\)$/);
    // The throwing action is the last of the counterexample.
    expect(v.step).toBe(f!.result.actions.length - 1);
    // The saved schedule replays to the same exception at the same step.
    const again = runActions(protocol, f!.scenario.cfg, f!.result.actions);
    expect(again.violation).toEqual(v);
    expect(again.skipped).toEqual([]);
  });

  it('a throw while the adversary lists Byzantine messages counts after the last action, and replays', () => {
    const base = tendermint() as unknown as Protocol<unknown, TM>;
    let calls = 0;
    const protocol: Protocol<unknown, TM> = {
      ...base,
      byzantineMessages(ctx) {
        // Throws once the Byzantine node has seen a precommit on the wire.
        if (ctx.seen.some((m) => m.type === 'precommit')) throw new Error('no ancestor for this block');
        calls++;
        return base.byzantineMessages!(ctx);
      },
    };
    const out = fuzzCampaign(protocol, { seed: 'gate-byz', start: 0, end: 3000 });
    const f = out.failure;
    expect(f, 'never reached').toBeDefined();
    expect(calls).toBeGreaterThan(0);
    const v = f!.result.violation!;
    expect(v.invariant).toBe('exception');
    expect(v.detail).toMatch(/^byzantineMessages threw Error: no ancestor for this block/);
    expect(v.step).toBe(f!.result.actions.length - 1);
    expect(runActions(protocol, f!.scenario.cfg, f!.result.actions).violation).toEqual(v);
  });

  it('a throwing invariant is an exception too, named by the invariant', () => {
    const base = tendermint() as unknown as Protocol<unknown, TM>;
    const protocol: Protocol<unknown, TM> = {
      ...base,
      invariants: [...base.invariants, { name: 'broken-check', description: 'throws', check: () => { throw new TypeError('cannot read x'); } }],
    };
    const out = fuzzCampaign(protocol, { seed: 'gate', start: 0, end: 10, shrink: false });
    expect(out.failure?.result.violation?.detail).toMatch(/^invariant broken-check threw TypeError: cannot read x/);
  });
});

describe('fixtures survive refactors', () => {
  const file = join(FIXTURE_ROOT, 'tendermint', 'byzantine-message-reaches-one-node.json');

  it('a recorded action that is no longer enabled is skipped and reported; the outcome is still checked', () => {
    const fx = readFixture(file);
    // A refactored reducer no longer sets this timer: the recorded "fire" is not enabled.
    const drifted: Fixture = { ...fx, actions: [fx.actions[0]!, { kind: 'fire', node: 1, timer: { name: 'timeoutPropose', height: 0, round: 7 } }, ...fx.actions.slice(1)] };
    const r = runActions(tendermint(), drifted.config, drifted.actions);
    expect(r.skipped.map((s) => s.position)).toEqual([1]);
    expect(driftReport(r as never)).toMatch(/drifted: 1 recorded action\(s\) no longer enabled, skipped: #1 fire \(fire: node 1 has no pending timer/);
    expect(expectationMismatch(drifted, r as never)).toBeUndefined();
  });

  it('a drifted recording that ends early goes on with the synchronous tail after GST', () => {
    const fx = readFixture(file);
    const cut = fx.actions.slice(0, fx.actions.length - 6);
    const r = runActions(tendermint(), fx.config, cut);
    expect(r.violation).toBeUndefined();
    expect(r.actions.length).toBeGreaterThan(cut.length);
  });

  it('a drifted fixture whose outcome is lost still fails', () => {
    const fx = readFixture(join(FIXTURE_ROOT, 'tendermint', 'mutant-lock-not-set.json'));
    // Every recorded delivery now names a message that does not exist, and the run never reaches GST.
    const broken: Fixture = { ...fx, actions: fx.actions.filter((a) => a.kind !== 'gst').map((a) => (a.kind === 'deliver' ? { kind: 'deliver', id: 999 } : a)) };
    const r = runActions(tendermint('lock-not-set'), broken.config, broken.actions);
    expect(r.skipped.length).toBeGreaterThan(0);
    expect(expectationMismatch(broken, r as never)).toMatch(/expected precommit-locks to break/);
  });

  it('replay --update re-records a drifted fixture; it then replays without drift', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ch-drift-'));
    const copy = join(dir, 'drifted.json');
    const fx = readFixture(file);
    writeFixture(copy, { ...fx, actions: [{ kind: 'fire', node: 1, timer: { name: 'timeoutPropose', height: 0, round: 7 } }, ...fx.actions] });
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
    const first = cli('replay', copy);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^ok, drifted .*holds/m);
    expect(first.stdout).toMatch(/skipped: #0 fire/);
    const upd = cli('replay', '--update', copy);
    expect(upd.stdout).toMatch(/updated: re-recorded the replayed schedule/);
    const after = cli('replay', copy);
    expect(after.stdout).toMatch(/^ok {3}.*holds/m);
    expect(readFixture(copy).actions).toEqual(fx.actions);
  });

  it('--update re-derives from the fixture tape when the recorded schedule lost the outcome', () => {
    // Found now, with today's reducer, so that the tape reproduces whatever order its rules run in.
    const f = fuzzCampaign(tendermint('lock-ignored'), { seed: 'gate-tape', start: 0, end: 2000 }).failure;
    expect(f, 'lock-ignored not found').toBeDefined();
    const v = f!.result.violation!;
    const dir = mkdtempSync(join(tmpdir(), 'ch-drift-'));
    const copy = join(dir, 'lost.json');
    writeFixture(copy, {
      format: FIXTURE_FORMAT,
      protocol: 'tendermint',
      mutant: 'lock-ignored',
      config: f!.scenario.cfg,
      expect: { outcome: 'violates', invariant: v.invariant },
      story: 'a recording that lost its outcome',
      found: { by: 'test', tape: f!.scenario.tape, ...(f!.scenario.priority ? { priority: f!.scenario.priority } : {}) },
      actions: f!.result.actions.slice(0, 3),
    });
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
    expect(cli('replay', copy).status).toBe(1);
    const upd = cli('replay', '--update', copy);
    expect(upd.stdout).toMatch(/updated: re-derived from the fixture's tape/);
    expect(cli('replay', copy).status).toBe(0);
    // Re-derived: the tape's run (before action minimization), which breaks the same invariant.
    expect(readFixture(copy).actions).toEqual(runTape(tendermint('lock-ignored'), f!.scenario.cfg, f!.scenario.tape, { priority: f!.scenario.priority }).actions);
  });
});

describe('tests leave no trace', () => {
  it('a failing property writes its counterexample to a temporary directory and says so', () => {
    const before = spawnSync('git', ['status', '--porcelain', '--', 'fixtures'], { cwd: ROOT, encoding: 'utf8' }).stdout;
    let message = '';
    try {
      expectSurvives(tendermint('prevote-any-step'), { seed: 5, numRuns: 200 });
    } catch (e) {
      message = (e as Error).message;
    }
    const m = /saved as (\S+)/.exec(message);
    expect(m, message).not.toBeNull();
    expect(m![1]!.startsWith(tmpdir())).toBe(true);
    expect(message).toMatch(/replay it: npm run cli -- replay /);
    expect(readFixture(m![1]!).mutant).toBe('prevote-any-step');
    const after = spawnSync('git', ['status', '--porcelain', '--', 'fixtures'], { cwd: ROOT, encoding: 'utf8' }).stdout;
    expect(after).toBe(before);
  });
});

describe('keep going after the first failure', () => {
  it('lists every failing scenario; classes and counts do not depend on how the range is split', () => {
    const protocol = tendermint('valid-unchecked');
    const whole = fuzzCampaign(protocol, { seed: 'keep', start: 0, end: 1200, keepGoing: true });
    const halves = [fuzzCampaign(protocol, { seed: 'keep', start: 600, end: 1200, keepGoing: true }), fuzzCampaign(protocol, { seed: 'keep', start: 0, end: 600, keepGoing: true })];
    expect(whole.runs).toBe(1200);
    expect(whole.failures.length).toBeGreaterThan(1);
    const split = halves.flatMap((h) => h.failures);
    const a = distinctFailures(protocol, whole.failures, { seed: 'keep', start: 0, maxShrunk: 2 });
    const b = distinctFailures(protocol, split, { seed: 'keep', start: 0, maxShrunk: 2 });
    expect(b.map((c) => [c.signature, c.occurrences, c.indices])).toEqual(a.map((c) => [c.signature, c.occurrences, c.indices]));
    expect(a.reduce((n, c) => n + c.occurrences, 0)).toBe(whole.failures.length);
    expect(a[0]!.failure!.result.violation!.invariant).toBe(whole.failures[0]!.key);
  });
});

