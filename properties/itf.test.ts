/**
 * ITF export (issue 10, item 4): every fixture (fixtures/ and examples' fixtures) written as an
 * Informal Trace Format trace must (a) have the shape ADR-015 gives the format (apalache-mc/apalache,
 * docs/src/adr/015adr-trace.md) with every integer of a state as {"#bigint"}, and (b) read back to
 * the same action list and the same per-state node views, obtained here by an independent replay.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeView, Protocol } from '../src/core/types.ts';
import { defineProtocol } from '../src/core/define.ts';
import { createProtocol } from '../src/protocols/registry.ts';
import { type ProtocolResolver, readFixture } from '../src/trace/fixture.ts';
import { runActions } from '../src/check/execute.ts';
import type { Action } from '../src/sim/actions.ts';
import { fromItf, itfText, itfToJson, jsonToItf, toItf } from '../src/trace/itf.ts';
import streamlet from '../examples/streamlet/protocol.ts';
import { FIXTURE_ROOT } from './support.ts';

const REPO = dirname(FIXTURE_ROOT);

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Examples whose protocol the public API builds; an example not listed here is skipped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const EXAMPLES: Record<string, ProtocolResolver> = {
  streamlet: (_name, mutant) => defineProtocol(streamlet(mutant ?? undefined), mutant ?? undefined),
};

const cases: { file: string; resolve: ProtocolResolver }[] = [
  ...jsonFiles(FIXTURE_ROOT).map((file) => ({ file, resolve: createProtocol as ProtocolResolver })),
  ...Object.entries(EXAMPLES).flatMap(([name, resolve]) => jsonFiles(join(REPO, 'examples', name, 'fixtures')).map((file) => ({ file, resolve }))),
];

// ------------------------------------------------------------------ an ITF schema, from ADR-015

/** What is wrong with `v` as an ITF expression in a state (integers only as #bigint), or undefined. */
function exprProblem(v: unknown, at: string): string | undefined {
  if (typeof v === 'string' || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return `${at}: a plain JSON number ${v} (state integers must be {"#bigint"})`;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const p = exprProblem(x, `${at}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return `${at}: ${JSON.stringify(v)} is not an ITF expression`;
  const keys = Object.keys(v);
  const r = v as Record<string, unknown>;
  const special = keys.filter((k) => k.startsWith('#'));
  if (special.length > 0) {
    if (keys.length !== 1) return `${at}: a special form has exactly one key, got ${keys.join(', ')}`;
    const body = r[keys[0]!];
    switch (keys[0]) {
      case '#bigint':
        return typeof body === 'string' && /^-?[0-9]+$/.test(body) ? undefined : `${at}: #bigint ${JSON.stringify(body)} is not [-][0-9]+`;
      case '#unserializable':
        return typeof body === 'string' ? undefined : `${at}: #unserializable must hold a string`;
      case '#set':
      case '#tup': {
        if (!Array.isArray(body)) return `${at}: ${keys[0]} must hold a list`;
        if (keys[0] === '#set' && new Set(body.map((x) => JSON.stringify(x))).size !== body.length) return `${at}: #set with repeated elements`;
        return exprProblem(body, `${at}.${keys[0]}`);
      }
      case '#map': {
        if (!Array.isArray(body)) return `${at}: #map must hold a list of pairs`;
        for (const [i, pair] of body.entries()) {
          if (!Array.isArray(pair) || pair.length !== 2) return `${at}.#map[${i}]: not a [key, value] pair`;
          const p = exprProblem(pair, `${at}.#map[${i}]`);
          if (p) return p;
        }
        if (new Set(body.map((pair) => JSON.stringify((pair as unknown[])[0]))).size !== body.length) return `${at}: #map with a repeated key`;
        return undefined;
      }
      default:
        return `${at}: unknown special form ${keys[0]}`;
    }
  }
  for (const k of keys) {
    const p = exprProblem(r[k], `${at}.${k}`);
    if (p) return p;
  }
  return undefined;
}

/** What is wrong with `raw` as an ITF trace of `actions + 1` states, or undefined. */
function traceProblem(raw: unknown, actions: number): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'the trace is not an object';
  const t = raw as Record<string, unknown>;
  const meta = t['#meta'];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return '#meta missing';
  if ((meta as Record<string, unknown>)['format'] !== 'ITF') return '#meta.format is not "ITF"';
  const vars = t['vars'];
  if (!Array.isArray(vars) || vars.length === 0 || !vars.every((x) => typeof x === 'string')) return 'vars: not a list of names';
  if (new Set(vars).size !== vars.length) return 'vars: a name twice';
  const states = t['states'];
  if (!Array.isArray(states)) return 'states: not a list';
  if (states.length !== actions + 1) return `states: ${states.length} for ${actions} actions (expected actions + 1)`;
  for (const [i, s] of states.entries()) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return `states[${i}]: not an object`;
    const st = s as Record<string, unknown>;
    const m = st['#meta'] as Record<string, unknown> | undefined;
    if (typeof m !== 'object' || m === null || m['index'] !== i) return `states[${i}].#meta.index is not ${i}`;
    const names = Object.keys(st).filter((k) => k !== '#meta').sort();
    if (JSON.stringify(names) !== JSON.stringify([...vars].sort())) return `states[${i}]: variables ${names.join(',')} are not vars`;
    for (const v of vars as string[]) {
      const p = exprProblem(st[v], `states[${i}].${v}`);
      if (p) return p;
    }
    if (typeof st['mbt::actionTaken'] !== 'string') return `states[${i}].mbt::actionTaken is not a string`;
  }
  return undefined;
}

// ------------------------------------------------------------------ reading values back, independently of itf.ts

function big(v: unknown): number {
  return Number((v as { '#bigint': string })['#bigint']);
}

interface ShownNode extends NodeView {
  readonly decisions: readonly [number, string][];
}

/** The node views a state of the trace shows, in instance order. */
function shownNodes(state: Record<string, unknown>): ShownNode[] {
  const pairs = (state['nodes'] as { '#map': [unknown, Record<string, unknown>][] })['#map'];
  return pairs.map(([k, n], i) => {
    if (big(k) !== i) throw new Error(`nodes: key ${big(k)} at position ${i}`);
    return {
      height: big(n['height']),
      round: big(n['round']),
      step: n['step'] as string,
      lock: n['lock'] as string,
      decisions: (n['decisions'] as { '#map': [unknown, string][] })['#map'].map(([h, v]) => [big(h), v] as [number, string]),
    };
  });
}

/** Every world of a replay: each node's view and decisions, and the ids in flight. */
function replayViews<S, M>(protocol: Protocol<S, M>, cfg: Parameters<typeof runActions>[1], actions: readonly Action<M>[]) {
  const views: ShownNode[][] = [];
  const inFlight: number[][] = [];
  const result = runActions(protocol, cfg, actions, {
    observe: (_i, _a, w) => {
      views.push(w.states.map((s, node) => ({
        ...protocol.view(s),
        decisions: (w.decisions[node] ?? []).flatMap((v, h) => (v === undefined ? [] : [[h, v] as [number, string]])),
      })));
      inFlight.push(w.inFlight.map((e) => e.id));
    },
  });
  // A reducer that threw leaves no world after its action: the trace repeats the one before.
  if (views.length === result.actions.length) {
    views.push(views[views.length - 1]!);
    inFlight.push(inFlight[inFlight.length - 1]!);
  }
  return { result, views, inFlight };
}

/**
 * Two sequences are equal, state by state: compared as JSON (vitest's deep equality on 650
 * states of 7 nodes costs seconds), and at the first difference by toEqual, to show it.
 */
function expectSameStates(actual: readonly unknown[], expected: readonly unknown[], what: string): void {
  expect(actual.length, `${what}: number of states`).toBe(expected.length);
  const i = actual.findIndex((x, k) => JSON.stringify(x) !== JSON.stringify(expected[k]));
  if (i >= 0) expect(actual[i], `${what}, state ${i}`).toEqual(expected[i]);
}

describe('ITF export of every fixture', () => {
  it('finds fixtures in fixtures/ and in the examples', () => {
    expect(cases.filter((c) => c.file.startsWith(FIXTURE_ROOT)).length).toBeGreaterThan(30);
    expect(cases.filter((c) => !c.file.startsWith(FIXTURE_ROOT)).length).toBeGreaterThan(0);
  });

  for (const { file, resolve } of cases) {
    it(relative(REPO, file), () => {
      const fx = readFixture(file, resolve);
      const protocol = resolve(fx.protocol, fx.mutant);
      const trace = toItf(protocol, fx.config, fx.actions);
      const text = itfText(trace);
      const back = fromItf(text, file);
      const raw = back.trace as unknown as Record<string, unknown>;
      const replay = replayViews(resolve(fx.protocol, fx.mutant), fx.config, fx.actions);
      const run = replay.result;

      // (a) the ITF shape
      expect(traceProblem(raw, run.actions.length)).toBeUndefined();
      // The run is the fixture's list (a run that reached GST may go on with the synchronous tail).
      if (run.skipped.length === 0) expect(run.actions.slice(0, fx.actions.length)).toEqual(fx.actions);

      // (b) the round trip: the same actions, the same views, the same outcome
      expect(back.protocol).toBe(fx.protocol);
      expect(back.mutant).toBe(fx.mutant);
      expect(back.config).toEqual(fx.config);
      expect(back.actions).toEqual(run.actions);
      const states = raw['states'] as Record<string, unknown>[];
      expectSameStates(states.map(shownNodes), replay.views.map((nodes) => nodes.map((n) => ({ height: n.height, round: n.round, step: n.step, lock: n.lock, decisions: n.decisions }))), 'node views');
      expectSameStates(states.map((s) => (s['inFlight'] as { '#map': [unknown, unknown][] })['#map'].map(([id]) => big(id))), replay.inFlight, 'ids in flight');
      expect(states.map((s) => s['mbt::actionTaken'])).toEqual(['init', ...run.actions.map((a) => a.kind)]);
      const again = runActions(resolve(fx.protocol, fx.mutant), back.config, back.actions as readonly Action<unknown>[]);
      expect(again.violation).toEqual(run.violation);
      expect((raw['#meta'] as Record<string, unknown>)['violation']).toEqual(run.violation ?? null);
      const marked = states.flatMap((s, i) => ((s['#meta'] as Record<string, unknown>)['violation'] === undefined ? [] : [i]));
      expect(marked).toEqual(run.violation === undefined ? [] : [run.violation.step + 1]);
    });
  }
});

describe('ITF values and errors', () => {
  it('the schema check refuses a plain integer in a state, a missing variable, a state too few, and a bad #bigint', () => {
    const fx = readFixture(cases.find((c) => c.file.endsWith('mutant-quorum-too-small.json'))!.file);
    const text = itfText(toItf(createProtocol(fx.protocol, fx.mutant), fx.config, fx.actions));
    const fresh = () => JSON.parse(text) as { states: Record<string, Record<string, unknown>>[] };
    expect(traceProblem(fresh(), fx.actions.length)).toBeUndefined();
    const plain = fresh();
    ((plain.states[1]!['nodes']!['#map'] as [unknown, Record<string, unknown>][])[0]![1])['round'] = 0;
    expect(traceProblem(plain, fx.actions.length)).toMatch(/states\[1\]\.nodes\.#map\[0\]\[1\]\.round: a plain JSON number/);
    const missing = fresh();
    delete missing.states[3]!['gst'];
    expect(traceProblem(missing, fx.actions.length)).toMatch(/states\[3\]: variables/);
    const short = fresh();
    short.states.pop();
    expect(traceProblem(short, fx.actions.length)).toMatch(/expected actions \+ 1/);
    const bad = fresh();
    bad.states[0]!['inFlight'] = { '#map': [[{ '#bigint': '1.5' }, 'x']] };
    expect(traceProblem(bad, fx.actions.length)).toMatch(/#bigint "1\.5"/);
  });

  it('a protocol timer of its own, a null and a fraction survive the round trip; integers become #bigint', () => {
    const value = { epoch: 3, tags: ['a', true], nothing: null, half: 0.5 };
    const itf = jsonToItf(value);
    expect(itf).toEqual({ epoch: { '#bigint': '3' }, tags: ['a', true], nothing: { '#unserializable': 'null' }, half: { '#unserializable': '0.5' } });
    expect(itfToJson(itf)).toEqual(value);
  });

  it('one run gives one text (no timestamp), and a state that lacks a variable is refused by name', () => {
    const file = cases.find((c) => c.file.endsWith('mutant-quorum-too-small.json'))!;
    const fx = readFixture(file.file);
    const a = itfText(toItf(createProtocol(fx.protocol, fx.mutant), fx.config, fx.actions));
    const b = itfText(toItf(createProtocol(fx.protocol, fx.mutant), fx.config, fx.actions));
    expect(a).toBe(b);
    const raw = JSON.parse(a) as { states: Record<string, unknown>[] };
    delete raw.states[2]!['mbt::nondetPicks'];
    expect(() => fromItf(JSON.stringify(raw), 'x.itf.json')).toThrow(/x\.itf\.json\.states\[2\]: missing variable mbt::nondetPicks/);
    const wrong = JSON.parse(a) as { states: Record<string, unknown>[] };
    wrong.states[1]!['mbt::actionTaken'] = 'teleport';
    expect(() => fromItf(JSON.stringify(wrong), 'x.itf.json')).toThrow(/states\[1\]\.mbt::actionTaken/);
  });
});
