/**
 * consensus-harness as a library: a protocol that lives outside src/protocols/, written
 * against the public API only, fuzzed in-process and from the CLI (worker threads load
 * its module), replayed from its fixture; bad modules give errors that name the problem;
 * examples import nothing but the public entry points.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_FORMAT, GENERIC_INVARIANTS, type ProtocolSpec, check, clusterConfig, defineProtocol, eventually, explain, fuzz, genericProperties, readFixture, replay, sometimes, transition, writeFixture } from 'consensus-harness';
import { protocolProperty } from 'consensus-harness/vitest';

const ROOT = join(import.meta.dirname, '..');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Node 0 proposes; everyone decides the first proposal it receives from node 0. */
interface EchoState { readonly self: number; readonly decided: boolean }
type EchoMsg = { readonly kind: 'propose'; readonly value: string };

function leaderEcho(bug?: 'decide-any-sender'): ProtocolSpec<EchoState, EchoMsg> {
  return {
    name: 'leader-echo',
    node: {
      init: (self) => ({ state: { self, decided: false }, effects: self === 0 ? [{ kind: 'broadcast', msg: { kind: 'propose', value: 'v0' } }] : [] }),
      onMessage(s, from, m) {
        if (s.decided || (from !== 0 && bug !== 'decide-any-sender')) return { state: s, effects: [] };
        return { state: { ...s, decided: true }, effects: [{ kind: 'decide', height: 0, value: m.value }] };
      },
    },
    byzantineMessages: (ctx) => [{ kind: 'propose', value: `forged-by-${ctx.self}` }],
    properties: [
      transition('decides-leader-value', 'a correct node decides only what node 0 proposed', (t) =>
        t.effects.some((e) => e.kind === 'decide' && t.input.kind === 'message' && t.input.from !== 0) ? `node ${t.node} decided a value not from the leader` : undefined),
      sometimes('decided', 'some node decides', (t) => t.effects.some((e) => e.kind === 'decide')),
    ],
  };
}

describe('a protocol written against the public API', () => {
  it('a correct one survives; its witness is reached', async () => {
    const report = await fuzz(defineProtocol(leaderEcho()), { runs: 300, seed: 'lib', shape: { byzantine: false, maxHeights: 1 } });
    expect(report.failures).toEqual([]);
    expect(report.runs).toBe(300);
    expect(report.witnessed['decided']).toBe(300);
    expect(report.neverWitnessed).toEqual([]);
  });

  // Runs to the kill over 8 seeds (lib, g1..g7): 8, 4, 13, 11, 11, 16, 4, 1 (median 11, worst 16): budget 2,000.
  it('a planted bug is found, shrunk to a fixture that replays', async () => {
    const buggy = defineProtocol(leaderEcho('decide-any-sender'), 'decide-any-sender');
    // Uniform delivery, as the figures above were measured (the API's default is mixed, as the CLI's).
    const report = await fuzz(buggy, { runs: 2000, seed: 'lib', shape: { maxHeights: 1, strategy: 'uniform' } });
    expect(report.failures).toHaveLength(1);
    const fx = report.failures[0]!.fixture!;
    expect(fx.expect).toEqual({ outcome: 'violates', invariant: 'decides-leader-value' });
    expect(fx.actions.length).toBeLessThan(10);
    const again = replay(fx, (m) => defineProtocol(leaderEcho(m as 'decide-any-sender' | undefined), m));
    expect(again.mismatch).toBeUndefined();
    expect(again.drift).toBeUndefined();
  });

  it('the same seed gives the same report', async () => {
    const buggy = defineProtocol(leaderEcho('decide-any-sender'), 'decide-any-sender');
    const a = await fuzz(buggy, { runs: 500, seed: 'same', keepGoing: true, shape: { maxHeights: 1 } });
    const b = await fuzz(buggy, { runs: 500, seed: 'same', keepGoing: true, shape: { maxHeights: 1 } });
    expect(JSON.stringify(b.failures)).toBe(JSON.stringify(a.failures));
    expect(a.failures.reduce((n, f) => n + f.occurrences, 0)).toBeGreaterThan(1);
  });

  it('a witness that no run reaches is reported', async () => {
    const spec = leaderEcho();
    const never = defineProtocol({ ...spec, properties: [sometimes('never', 'a node decides at height 5', (t) => t.effects.some((e) => e.kind === 'decide' && e.height === 5))] });
    const report = await fuzz(never, { runs: 50, seed: 'lib', shape: { byzantine: false, maxHeights: 1 } });
    expect(report.neverWitnessed).toEqual(['never']);
  });

  protocolProperty('protocolProperty: leader-echo is safe without Byzantine nodes', defineProtocol(leaderEcho()), { runs: 200, n: [4, 7], shape: { byzantine: false, maxHeights: 1 } });
});

describe('properties with memory and a final world (the forms the generic properties are written in)', () => {
  it('the generic properties are public values in the same forms, one per generic name', () => {
    const props = genericProperties(defineProtocol(leaderEcho()));
    expect(props.map((p) => `${p.kind} ${p.name}`)).toEqual(['transition no-equivocation', 'transition integrity', 'transition validity', 'transition agreement', 'transition accountability', 'eventually termination']);
    for (const p of props) expect(GENERIC_INVARIANTS[p.name]).toBe(p.description);
  });

  // A node that proposes its own value to everyone, and decides what it hears first: it
  // disagrees (and "votes" twice when it hears two proposals). Two user properties find that
  // through the step context (run memory) and the final world, with the generic ones off the hook.
  const chatty: ProtocolSpec<{ self: number; heard: number }, { v: string }> = {
    name: 'chatty',
    node: {
      init: (self) => ({ state: { self, heard: 0 }, effects: [{ kind: 'broadcast', msg: { v: `v${self}` } }] }),
      // Every node but 0 acknowledges every proposal to node 0 (the bug: it should ack the first only).
      onMessage: (s, _from, m) => ({ state: { ...s, heard: s.heard + 1 }, effects: s.self === 0 || m.v.startsWith('ack') ? [] : [{ kind: 'send', to: 0, msg: { v: `ack-${m.v}` } }] }),
    },
    properties: [
      transition('one-ack', 'a node acknowledges one proposal only (kept in the run memory)', (t, _cfg, ctx) => {
        for (const e of t.effects) {
          if (e.kind !== 'send') continue;
          const prior = ctx.first(`ack-by-${t.node}`, e.msg.v);
          if (prior !== undefined && prior !== e.msg.v) return `node ${t.node} acked ${prior} and then ${e.msg.v}`;
        }
        return undefined;
      }),
      eventually('nothing-left', 'at the end no message is on the wire', (_states, _cfg, w) => (w.inFlight.length > 0 ? `${w.inFlight.length} in flight` : undefined)),
    ],
    decides: false,
  };

  it('a transition property remembers across steps through ctx.first', () => {
    const r = check(defineProtocol(chatty), { cfg: clusterConfig(3), tape: [] });
    expect(r.violation?.invariant).toBe('one-ack');
    expect(r.violation?.detail).toMatch(/^node \d acked ack-v\d and then ack-v\d$/);
  });

  it('an eventually property sees the final world (run after the protocol went quiescent, before termination)', () => {
    const quiet = defineProtocol<{ self: number; heard: number }, { v: string }>({
      ...chatty,
      node: { ...chatty.node, onMessage: (st) => ({ state: { ...st, heard: st.heard + 1 }, effects: [] }) },
      properties: [eventually('report', 'says what it saw at the end', (states, _cfg, w) => `${states.length} states, ${w.stepsAfterGst} steps after GST, ${w.inFlight.length} in flight, ${w.timers.length} timers`)],
    });
    const r = check(quiet, { cfg: clusterConfig(3), tape: [] });
    // 3 nodes broadcast once: 6 deliveries after GST (the tape is empty), then nothing is left.
    expect(r.violation?.invariant).toBe('report');
    expect(r.violation?.detail).toBe('3 states, 6 steps after GST, 0 in flight, 0 timers');
  });
});

describe('a protocol with a timer type of its own', () => {
  /** Epoch timers { epoch }: node 0 proposes in epoch 1 when its timer fires; everyone decides it. */
  type EpochTimer = { readonly epoch: number };
  const epochs = defineProtocol<{ decided: boolean }, { value: string }, EpochTimer>({
    name: 'epochs',
    node: {
      init: (self) => ({ state: { decided: false }, effects: self === 0 ? [{ kind: 'setTimer', timer: { epoch: 1 } }] : [] }),
      onTimer: (s, t) => ({ state: s, effects: [{ kind: 'broadcast', msg: { value: `e${t.epoch}` } }] }),
      onMessage: (s, _from, m) => (s.decided ? { state: s, effects: [] } : { state: { decided: true }, effects: [{ kind: 'decide', height: 0, value: m.value }] }),
    },
  });

  it('its timers fire, print as JSON, and survive a fixture round trip', async () => {
    const report = await fuzz(epochs, { runs: 200, seed: 'timers', shape: { byzantine: false, maxHeights: 1 } });
    expect(report.failures).toEqual([]);
    const run = check(epochs, { cfg: clusterConfig(4, { heights: 1 }), tape: [] });
    const fire = run.actions.find((a) => a.kind === 'fire');
    expect(fire).toEqual({ kind: 'fire', node: 0, timer: { epoch: 1 } });
    const dir = mkdtempSync(join(tmpdir(), 'ch-timer-'));
    const file = join(dir, 'epochs.json');
    writeFixture(file, { format: FIXTURE_FORMAT, protocol: 'epochs', mutant: null, config: clusterConfig(4, { heights: 1 }), expect: { outcome: 'holds' }, story: 'epoch timers', actions: run.actions });
    const fx = readFixture(file, epochs);
    expect(fx.actions).toEqual(run.actions);
    expect(replay(fx, epochs).mismatch).toBeUndefined();
    expect(explain(fx, epochs).lines.join('\n')).toMatch(/timer {5}node 0: \{"epoch":1\}/);
  });
});

describe('the CLI runs a protocol from a module path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ch-module-'));
  const mod = join(dir, 'min-id.mjs');
  writeFileSync(mod, [
    '// Each node broadcasts its id and decides the smallest among the first n-f it hears: agreement breaks.',
    'export const mutants = [{ name: "wait-for-all", description: "waits for all n" }];',
    'export default (mutant) => ({',
    '  name: "min-id",',
    '  node: {',
    '    init: (self, cfg) => ({ state: { need: mutant === "wait-for-all" ? cfg.n : cfg.n - cfg.f, heard: [], decided: false }, effects: [{ kind: "broadcast", msg: { id: self } }] }),',
    '    onMessage(s, from, m) {',
    '      if (s.decided || s.heard.includes(m.id)) return { state: s, effects: [] };',
    '      const heard = [...s.heard, m.id];',
    '      if (heard.length < s.need) return { state: { ...s, heard }, effects: [] };',
    '      return { state: { ...s, heard, decided: true }, effects: [{ kind: "decide", height: 0, value: String(Math.min(...heard)) }] };',
    '    },',
    '  },',
    '});',
  ].join('\n'));

  it('fuzz (two worker threads) finds the bug and writes a fixture; replay and explain read it', () => {
    const out = join(dir, 'found.json');
    const f = cli('fuzz', '--protocol', mod, '--runs', '400', '--heights', '1', '--progress', '0', '--workers', '2', '--out', out);
    expect(f.code, f.err).toBe(1);
    expect(f.out).toMatch(/RESULT: agreement broken/);
    expect(readFileSync(out, 'utf8')).toMatch(/"protocol": "min-id"/);
    const r = cli('replay', '--protocol', mod, out);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^ok .*violates agreement/m);
    expect(cli('explain', '--protocol', mod, out).out).toMatch(/VIOLATION agreement/);
    expect(cli('list', '--protocol', mod).out).toMatch(/wait-for-all/);
  });

  it('bad modules are exit 2 with a message that names the problem', () => {
    expect(cli('fuzz', '--protocol', join(dir, 'missing.mjs'))).toMatchObject({ code: 2, err: expect.stringMatching(/missing\.mjs: no such file/) });
    const noDefault = join(dir, 'no-default.mjs');
    writeFileSync(noDefault, 'export const x = 1;\n');
    expect(cli('list', '--protocol', noDefault)).toMatchObject({ code: 2, err: expect.stringMatching(/has no default export/) });
    const noOnMessage = join(dir, 'no-onmessage.mjs');
    writeFileSync(noOnMessage, 'export default { name: "x", node: { init: () => ({ state: 0, effects: [] }) } };\n');
    expect(cli('list', '--protocol', noOnMessage)).toMatchObject({ code: 2, err: expect.stringMatching(/node\.onMessage is not a function/) });
    const notProtocol = join(dir, 'not-protocol.mjs');
    writeFileSync(notProtocol, 'export default 42;\n');
    expect(cli('fuzz', '--protocol', notProtocol)).toMatchObject({ code: 2, err: expect.stringMatching(/does not look like a protocol/) });
    const syntax = join(dir, 'syntax.mjs');
    writeFileSync(syntax, 'export default {;\n');
    expect(cli('fuzz', '--protocol', syntax)).toMatchObject({ code: 2, err: expect.stringMatching(/cannot load the module/) });
  });
});

describe('examples use the public API only', () => {
  it('no example imports from src/ or a deep path of the package', () => {
    const dir = join(ROOT, 'examples');
    if (!existsSync(dir)) return;
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name));
    for (const e of files) {
      const file = join(e.parentPath, e.name);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        const ok = spec === 'consensus-harness' || spec === 'consensus-harness/vitest' || spec === 'vitest' || spec.startsWith('node:') ||
          (spec.startsWith('.') && !join(e.parentPath, spec).startsWith(join(ROOT, 'src')) && join(e.parentPath, spec).startsWith(dir));
        expect(ok, `${relative(ROOT, file)} imports ${spec}`).toBe(true);
      }
    }
    // readFixture is part of the API a user reads fixtures with.
    expect(typeof readFixture).toBe('function');
  });
});
