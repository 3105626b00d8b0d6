/**
 * Crash-recovery with durable state (issue 11 item 2): the persist effect and recover in the
 * contract, the simulator's reboot and crash-inside-a-call (crashAfter), the declarations of
 * Tendermint, HotStuff and PoW, no-equivocation across restarts, and the three mutants.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE, type ScenarioShape } from '../src/adversary/arbitraries.ts';
import { KIND_ORDER, enabledKinds } from '../src/adversary/decode.ts';
import { fuzzScenario } from '../src/adversary/fuzzer.ts';
import { runActions, runTape } from '../src/check/execute.ts';
import { fuzzCampaign } from '../src/search/random.ts';
import { clusterConfig, validateConfig } from '../src/core/config.ts';
import type { WalRecord } from '../src/core/durable.ts';
import type { Action } from '../src/sim/actions.ts';
import { initWorld, step } from '../src/sim/step.ts';
import { createProtocol } from '../src/protocols/registry.ts';
import { type TendermintMessage, type TendermintState, tendermint } from '../src/protocols/tendermint/index.ts';
import { hotstuff } from '../src/protocols/hotstuff/index.ts';
import { pow } from '../src/protocols/pow/index.ts';
import { ibft } from '../src/protocols/ibft/index.ts';
import { validateFixture } from '../src/trace/fixture.ts';
import { timeline } from '../src/trace/explain.ts';
import { expectSurvives } from './support.ts';

const withReboots = (n: number, reboots: number) => clusterConfig(n, { faults: { reboots } });

/** Reboots only: no other fault, so that every run spends its tape on crashes and restarts. */
const rebootShape = (sizes: number[], reboots = 2): ScenarioShape => ({ sizes, maxFaults: { reboots }, byzantine: false, maxHeights: 1, maxTape: 40 });

/** Everything the default shape has, plus reboots. */
const fullShape = (sizes: number[]): ScenarioShape => ({ ...DEFAULT_SHAPE, sizes, maxFaults: { ...DEFAULT_SHAPE.maxFaults, reboots: 2 } });

describe('reboots leave older configs, tapes and protocols as they were', () => {
  it('a config without reboots validates to one without the field (fixtures keep their bytes); a bad count names the field', () => {
    expect('reboots' in validateConfig({ n: 4, f: 1, byzantine: [], heights: 1, gstStepBound: 10, faults: {} }).faults).toBe(false);
    expect(validateConfig({ n: 4, f: 1, byzantine: [], heights: 1, gstStepBound: 10, faults: { reboots: 2 } }).faults.reboots).toBe(2);
    expect(() => validateConfig({ n: 4, f: 1, byzantine: [], heights: 1, gstStepBound: 10, faults: { reboots: -1 } })).toThrow(/faults\.reboots/);
  });

  it('the tape kind reboot comes last, and with no reboot budget it is never enabled (old tapes decode as before)', () => {
    expect(KIND_ORDER[KIND_ORDER.length - 1]).toBe('reboot');
    const p = tendermint();
    for (let i = 0; i < 8; i++) {
      const sc = fuzzScenario('recovery-kinds', i, DEFAULT_SHAPE);
      runTape(p, sc.cfg, sc.tape, { observe: (_i, _a, w) => expect(enabledKinds(p, w)).not.toContain('reboot') });
    }
  });

  it('a protocol that declares no recover has no reboots, even with a budget; a reboot action is refused', () => {
    const p = ibft('ibft');
    const cfg = withReboots(4, 2);
    const { world } = initWorld(p, cfg);
    expect(enabledKinds(p, world)).not.toContain('reboot');
    expect(() => step(p, world, { kind: 'reboot', node: 1 })).toThrow(/declares no durable state/);
  });

  it('the default shape draws the scenarios it always drew (reboots are drawn only by shapes that have them)', () => {
    const a = fuzzScenario('same', 7, DEFAULT_SHAPE);
    const b = fuzzScenario('same', 7, { ...DEFAULT_SHAPE, maxFaults: { ...DEFAULT_SHAPE.maxFaults, reboots: 0 } });
    expect(b).toEqual(a);
    expect('reboots' in a.cfg.faults).toBe(false);
  });
});

describe('the simulator: reboot and a crash inside a reducer call', () => {
  const p = tendermint();
  const cfg = withReboots(4, 2);
  // Tendermint n=4, round 0: node 0 proposes; envelope 1 is its proposal to node 2.
  const proposalTo2 = (w: ReturnType<typeof initWorld<TendermintState, TendermintMessage>>['world']) =>
    w.inFlight.find((e) => e.to === 2 && e.msg.type === 'proposal')!.id;

  it('crashAfter 0: nothing of the call happens; the node is down with its timers gone, the message kept for GST', () => {
    const { world } = initWorld(p, cfg);
    const id = proposalTo2(world);
    const disk = world.disk[2] as WalRecord<TendermintState, TendermintMessage, unknown>;
    const { world: w, record } = step(p, world, { kind: 'deliver', id, crashAfter: 0 });
    expect(w.crashed[2]).toBe(true);
    expect(w.wiped[2]).toBe(true);
    expect(w.timers.some((t) => t.node === 2)).toBe(false);
    expect(w.lost.map((e) => e.id)).toContain(id);
    expect(record.transitions[0]!.effects).toEqual([]);
    expect(w.disk[2]).toBe(disk);
    expect(w.used.reboots).toBe(1);
    // Restart: rebuilt from the init record, in step propose again, timeoutPropose set again.
    const { world: back, record: rec } = step(p, w, { kind: 'restart', node: 2 });
    expect(back.crashed[2]).toBe(false);
    expect(back.wiped[2]).toBe(false);
    expect(back.states[2]).toBe(disk.state);
    expect(rec.transitions[0]!.input.kind).toBe('recover');
    expect(back.timers.filter((t) => t.node === 2).map((t) => t.timer.name)).toEqual(['timeoutPropose']);
  });

  it('crashAfter 1 (correct Tendermint writes first): the prevote is on disk but not sent; the restart sends it, so no equivocation', () => {
    const { world } = initWorld(p, cfg);
    const id = proposalTo2(world);
    const before = world.nextId;
    const { world: w, record } = step(p, world, { kind: 'deliver', id, crashAfter: 1 });
    expect(record.transitions[0]!.effects.map((e) => e.kind)).toEqual(['persist']);
    expect(w.nextId).toBe(before);
    const onDisk = (w.disk[2] as WalRecord<TendermintState, TendermintMessage, unknown>).state;
    expect(onDisk.step).toBe('prevote');
    const { record: rec } = step(p, w, { kind: 'restart', node: 2 });
    const sent = rec.transitions[0]!.effects.filter((e) => e.kind === 'broadcast').map((e) => (e.kind === 'broadcast' ? e.msg : undefined));
    expect(sent).toEqual([expect.objectContaining({ type: 'prevote', height: 0, round: 0 })]);
  });

  it('reboot is refused for a Byzantine node, beyond the budget and after GST', () => {
    const byz = clusterConfig(4, { byzantine: [3], faults: { reboots: 1 } });
    const { world } = initWorld(p, byz);
    expect(() => step(p, world, { kind: 'reboot', node: 3 })).toThrow(/Byzantine/);
    const once = step(p, world, { kind: 'reboot', node: 1 }).world;
    expect(() => step(p, once, { kind: 'reboot', node: 2 })).toThrow(/reboots budget exhausted/);
    const gst = step(p, once, { kind: 'gst' }).world;
    expect(gst.crashed[1]).toBe(false);
    expect(() => step(p, gst, { kind: 'reboot', node: 2 })).toThrow(/GST/);
  });

  it('fixtures read crashAfter and reboot, and name a bad field', () => {
    const base = { format: 1, protocol: 'tendermint', mutant: null, story: 's', expect: { outcome: 'holds' }, config: { n: 4, f: 1, byzantine: [], heights: 1, gstStepBound: 840, faults: { reboots: 1 } } };
    const fx = validateFixture({ ...base, actions: [{ kind: 'deliver', id: 1, crashAfter: 1 }, { kind: 'reboot', node: 2 }] });
    expect(fx.actions).toEqual([{ kind: 'deliver', id: 1, crashAfter: 1 }, { kind: 'reboot', node: 2 }]);
    expect(() => validateFixture({ ...base, actions: [{ kind: 'fire', node: 1, timer: { name: 't', height: 0, round: 0 }, crashAfter: 'x' }] })).toThrow(/actions\[0\]\.crashAfter/);
  });
});

describe('no-equivocation remembers votes across restarts', () => {
  // Node 2 prevotes the proposal, crashes after one effect, restarts, and its timeoutPropose fires.
  const schedule: Action<TendermintMessage>[] = [
    { kind: 'deliver', id: 1, crashAfter: 1 },
    { kind: 'restart', node: 2 },
    { kind: 'fire', node: 2, timer: { name: 'timeoutPropose', height: 0, round: 0 } },
  ];
  const cfg = withReboots(4, 1);

  it('vote-before-persist: the vote left before the write, so the restarted node prevotes nil in the same slot', () => {
    const r = runActions(tendermint('vote-before-persist'), cfg, schedule);
    expect(r.violation?.invariant).toBe('no-equivocation');
    expect(r.violation?.detail).toMatch(/node 2 voted .* and then "nil" in slot prevote\/2\/h0\/r0/);
    expect(timeline(tendermint('vote-before-persist'), cfg, schedule).lines.join('\n')).toMatch(/CRASHES after 1 effect\(s\)[\s\S]*restart from disk/);
  });

  it('the correct protocol wrote first: after the restart it is past step propose, the timeout is stale, nothing breaks', () => {
    const r = runActions(tendermint(), cfg, schedule);
    expect(r.skipped.map((s) => s.action.kind)).toEqual(['fire']);
    expect(r.violation).toBeUndefined();
  });
});

describe('correct protocols survive reboots (each a campaign; larger ones by hand, figures in the issue)', () => {
  it('tendermint n=4: reboots and every other fault', () => {
    expectSurvives(tendermint(), { seed: 11, numRuns: 150, shape: fullShape([4]) });
    expect(fuzzCampaign(tendermint(), { seed: 'recovery', start: 0, end: 250, shape: rebootShape([4], 3) }).failure?.result.violation).toBeUndefined();
  });

  it('tendermint n=7', () => {
    expect(fuzzCampaign(tendermint(), { seed: 'recovery', start: 0, end: 60, shape: { ...rebootShape([7], 3), maxTape: 80 } }).failure?.result.violation).toBeUndefined();
  });

  it('hotstuff (libra, jolteon) n=4 and n=7', () => {
    expect(fuzzCampaign(hotstuff(), { seed: 'recovery', start: 0, end: 200, shape: fullShape([4]) }).failure?.result.violation).toBeUndefined();
    expect(fuzzCampaign(hotstuff(undefined, 'jolteon'), { seed: 'recovery', start: 0, end: 120, shape: fullShape([4]) }).failure?.result.violation).toBeUndefined();
    expect(fuzzCampaign(hotstuff(), { seed: 'recovery', start: 0, end: 30, shape: { ...rebootShape([7], 3), maxTape: 80 } }).failure?.result.violation).toBeUndefined();
  });

  it('pow n=4', () => {
    expect(fuzzCampaign(pow(), { seed: 'recovery', start: 0, end: 100, shape: fullShape([4]) }).failure?.result.violation).toBeUndefined();
  });
});

/**
 * Kill budgets (the team's rule: >= 5x the median and >= 2x the worst runs-to-kill over six
 * seeds), measured as fuzzCampaign(createProtocol(protocol, mutant), {seed, start: 0, end:
 * 20000, shrink: false, shape}) for seeds kill, s1, s2, s3, s4, s5 on the shapes below (runs
 * to kill do not depend on the machine's load). Median: the 4th of the 6 sorted counts.
 */
const TARGETED: ScenarioShape = { sizes: [4], maxFaults: { reboots: 3, injections: 10 }, byzantine: true, maxHeights: 1, maxTape: 60, strategy: 'priority' };
const KILLS: { protocol: string; mutant: string; budget: number; shape: ScenarioShape; invariants: string[] }[] = [
  // kill 14, s1 26, s2 15, s3 9, s4 10, s5 10: median 14, worst 26 (all no-equivocation).
  { protocol: 'tendermint', mutant: 'vote-before-persist', budget: 100, shape: rebootShape([4]), invariants: ['no-equivocation'] },
  // kill 111, s1 178, s2 155 (termination: the node lost its own precommit and cannot decide
  // height 0 after the others moved on), s3 1783, s4 2455, s5 3827: median 1783, worst 3827.
  // The default shape plus reboots needs ~1000 runs and reboots only ~2300 (median): a
  // Byzantine node's nil prevote starts timeoutPrevote before the polka, which the kill needs.
  { protocol: 'tendermint', mutant: 'lock-persisted-after-precommit', budget: 9000, shape: TARGETED, invariants: ['no-equivocation', 'termination'] },
  // kill 75, s1 258, s2 1176, s3 787, s4 538, s5 286: median 538, worst 1176 (needs an
  // equivocating leader: a second block of the view the node voted in before its reboot).
  { protocol: 'hotstuff', mutant: 'forgets-last-voted-view', budget: 2700, shape: TARGETED, invariants: ['no-equivocation'] },
];

describe('the crash-recovery mutants are killed within their budgets', () => {
  for (const k of KILLS) {
    it(`${k.protocol} ${k.mutant}`, () => {
      const out = fuzzCampaign(createProtocol(k.protocol, k.mutant), { seed: 'kill', start: 0, end: k.budget, shrink: false, shape: k.shape });
      expect(out.failure, `survived ${k.budget} scenarios`).toBeDefined();
      expect(k.invariants).toContain(out.failure!.result.violation!.invariant);
    });
  }
});
