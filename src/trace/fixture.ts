import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClusterConfig, Protocol, Timer } from '../core/types.ts';
import { UserError } from '../core/errors.ts';
import { validateConfig } from '../core/config.ts';
import { type Action, ACTION_KINDS, AFTER_GST_NAMES, type AfterGst } from '../sim/actions.ts';
import { gstChoiceError } from '../sim/world.ts';
import { createProtocol } from '../protocols/registry.ts';
import { type RunResult, runActions } from '../check/execute.ts';
import { invariantNames } from '../check/invariants.ts';
import type { Priority } from '../adversary/priority.ts';

export const FIXTURE_FORMAT = 1;

export type Expectation =
  | { readonly outcome: 'holds' }
  | { readonly outcome: 'violates'; readonly invariant: string };

/** Where a fixture came from, so it can be regenerated; replay never needs it. */
export interface Provenance {
  readonly by: string;
  readonly seed?: number | string;
  readonly path?: string;
  readonly tape?: readonly number[];
  /** The scenario's priority delivery, if it had one: with the tape, enough to re-derive the run. */
  readonly priority?: Priority;
}

/**
 * A regression case. It holds the explicit decoded action list, not a tape, so it
 * survives any change to the generators and the decoder.
 */
export interface Fixture {
  readonly format: typeof FIXTURE_FORMAT;
  readonly protocol: string;
  readonly mutant: string | null;
  readonly config: ClusterConfig;
  readonly expect: Expectation;
  /** One line: what happens and why it matters. */
  readonly story: string;
  readonly found?: Provenance;
  readonly actions: readonly Action<unknown>[];
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function obj(x: unknown, where: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new UserError(`${where}: expected an object, got ${JSON.stringify(x)}`);
  return x as Record<string, unknown>;
}

function nat(r: Record<string, unknown>, key: string, where: string): number {
  const v = r[key];
  if (!isNat(v)) throw new UserError(`${where}.${key}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * A GST action: plain, or with the behaviours of Byzantine nodes after GST and a core
 * (sim/actions.ts AfterGst). Shape first, then against the config (gstChoiceError).
 */
function validateGst(a: Record<string, unknown>, where: string, config: ClusterConfig): Action<unknown> {
  for (const k of Object.keys(a)) {
    if (k !== 'kind' && k !== 'byzantine' && k !== 'core') throw new UserError(`${where}.${k}: a gst action has only "byzantine" and "core" besides its kind`);
  }
  const out: { kind: 'gst'; byzantine?: Record<string, AfterGst>; core?: number[] } = { kind: 'gst' };
  if (a['byzantine'] !== undefined) {
    const b = obj(a['byzantine'], `${where}.byzantine`);
    for (const [node, behaviour] of Object.entries(b)) {
      const ok = typeof behaviour === 'string' ||
        (typeof behaviour === 'object' && behaviour !== null && !Array.isArray(behaviour) && Object.keys(behaviour).join() === 'selective');
      if (!ok) throw new UserError(`${where}.byzantine.${node}: expected one of ${AFTER_GST_NAMES.filter((x) => x !== 'selective').map((x) => JSON.stringify(x)).join(', ')} or { "selective": [node ids] }, got ${JSON.stringify(behaviour)}`);
    }
    out.byzantine = b as Record<string, AfterGst>;
  }
  if (a['core'] !== undefined) {
    const c = a['core'];
    if (!Array.isArray(c) || !c.every(isNat)) throw new UserError(`${where}.core: expected a list of node ids, got ${JSON.stringify(c)}`);
    out.core = c;
  }
  const err = gstChoiceError(config, out);
  if (err !== undefined) throw new UserError(`${where}.${err}`);
  return out;
}

function validateAction(raw: unknown, where: string, protocol: Protocol<unknown, unknown>, config: ClusterConfig): Action<unknown> {
  const a = obj(raw, where);
  const message = (key: string): unknown => {
    const err = protocol.validateMessage?.(a[key]);
    // Errors about one field start with its name ("round: ..."); about the whole message, not.
    if (err !== undefined) throw new UserError(/^\w+: /.test(err) ? `${where}.${key}.${err}` : `${where}.${key}: ${err}`);
    return a[key];
  };
  // Crash-recovery: a delivery or timer may carry a crash after k effects (absent in older fixtures).
  const cut = <A extends Extract<Action<unknown>, { kind: 'deliver' | 'fire' }>>(x: A): A => (a['crashAfter'] === undefined ? x : { ...x, crashAfter: nat(a, 'crashAfter', where) });
  switch (a['kind']) {
    case 'deliver':
      return cut({ kind: 'deliver', id: nat(a, 'id', where) });
    case 'drop':
    case 'duplicate':
      return { kind: a['kind'], id: nat(a, 'id', where) };
    case 'fire': {
      const t = obj(a['timer'], `${where}.timer`);
      // The built-in shape {name, height, round} is checked field by field; a protocol's own
      // timer type is any JSON object, kept as it is.
      if (!('name' in t) && !('height' in t) && !('round' in t)) return cut({ kind: 'fire', node: nat(a, 'node', where), timer: t as unknown as Timer });
      if (typeof t['name'] !== 'string') throw new UserError(`${where}.timer.name: expected a string, got ${JSON.stringify(t['name'])}`);
      return cut({ kind: 'fire', node: nat(a, 'node', where), timer: { name: t['name'], height: nat(t, 'height', `${where}.timer`), round: nat(t, 'round', `${where}.timer`) } });
    }
    case 'inject':
      return { kind: 'inject', from: nat(a, 'from', where), to: nat(a, 'to', where), msg: message('msg') };
    case 'crash':
    case 'restart':
    case 'reboot':
      return { kind: a['kind'], node: nat(a, 'node', where) };
    case 'partition': {
      const g = a['groups'];
      if (!Array.isArray(g) || !g.every(isNat)) throw new UserError(`${where}.groups: expected a list of side numbers, got ${JSON.stringify(g)}`);
      return { kind: 'partition', groups: g };
    }
    case 'heal':
      return { kind: a['kind'] };
    case 'gst':
      return validateGst(a, where, config);
    case 'event':
      if (typeof a['event'] !== 'string') throw new UserError(`${where}.event: expected a string, got ${JSON.stringify(a['event'])}`);
      return { kind: 'event', node: nat(a, 'node', where), event: a['event'] };
    default:
      throw new UserError(
        `${where}.kind: unknown action ${JSON.stringify(a['kind'])} (known: ${ACTION_KINDS.join(', ')})`,
      );
  }
}

/** How a fixture's protocol name (and mutant) becomes a protocol: the built-in registry by default. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ProtocolResolver = (name: string, mutant: string | null) => Protocol<any, any>;

/** Validate parsed JSON as a fixture. Every error names the offending field. */
export function validateFixture(raw: unknown, where = 'fixture', resolve: ProtocolResolver = createProtocol): Fixture {
  const r = obj(raw, where);
  if (r['format'] !== FIXTURE_FORMAT) {
    throw new UserError(`${where}.format: expected ${FIXTURE_FORMAT}, got ${JSON.stringify(r['format'])}`);
  }
  if (typeof r['protocol'] !== 'string') throw new UserError(`${where}.protocol: expected a protocol name, got ${JSON.stringify(r['protocol'])}`);
  const mutant = r['mutant'] ?? null;
  if (mutant !== null && typeof mutant !== 'string') throw new UserError(`${where}.mutant: expected a mutant name or null, got ${JSON.stringify(mutant)}`);
  let protocol: Protocol<unknown, unknown>;
  try {
    protocol = resolve(r['protocol'], mutant);
  } catch (e) {
    throw new UserError(`${where}: ${(e as Error).message}`);
  }
  const config = validateConfig(r['config'], `${where}.config`);
  const ex = obj(r['expect'], `${where}.expect`);
  let expect: Expectation;
  if (ex['outcome'] === 'holds') expect = { outcome: 'holds' };
  else if (ex['outcome'] === 'violates') {
    if (typeof ex['invariant'] !== 'string') throw new UserError(`${where}.expect.invariant: expected an invariant name, got ${JSON.stringify(ex['invariant'])}`);
    const known = invariantNames(protocol).map((i) => i.name);
    if (!known.includes(ex['invariant'])) {
      throw new UserError(`${where}.expect.invariant: ${protocol.name} has no invariant ${JSON.stringify(ex['invariant'])} (known: ${known.join(', ')})`);
    }
    expect = { outcome: 'violates', invariant: ex['invariant'] };
  } else {
    throw new UserError(`${where}.expect.outcome: expected "holds" or "violates", got ${JSON.stringify(ex['outcome'])}`);
  }
  if (typeof r['story'] !== 'string' || r['story'].length === 0) throw new UserError(`${where}.story: expected a one-line story, got ${JSON.stringify(r['story'])}`);
  if (!Array.isArray(r['actions'])) throw new UserError(`${where}.actions: expected a list of actions, got ${JSON.stringify(r['actions'])}`);
  const actions = r['actions'].map((a, i) => validateAction(a, `${where}.actions[${i}]`, protocol, config));
  const found = r['found'] === undefined ? undefined : (obj(r['found'], `${where}.found`) as unknown as Provenance);
  return { format: FIXTURE_FORMAT, protocol: r['protocol'], mutant, config, expect, story: r['story'], ...(found ? { found } : {}), actions };
}

export function readFixture(path: string, resolve?: ProtocolResolver): Fixture {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`${path}: cannot read fixture (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return validateFixture(raw, path, resolve);
}

/** Stable, reviewable JSON: header fields first, one action per line. */
export function formatFixture(fx: Fixture): string {
  const head = { format: fx.format, protocol: fx.protocol, mutant: fx.mutant, story: fx.story, expect: fx.expect, config: fx.config };
  const headText = JSON.stringify(head, null, 2);
  const found = fx.found ? `  "found": ${JSON.stringify(fx.found)},\n` : '';
  const actions = fx.actions.map((a) => `    ${JSON.stringify(a)}`).join(',\n');
  return `${headText.slice(0, -2)},\n${found}  "actions": [\n${actions}\n  ]\n}\n`;
}

export function writeFixture(path: string, fx: Fixture): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatFixture(fx));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function replayFixture(fx: Fixture, options: Parameters<typeof runActions<any, any>>[3] = {}, resolve: ProtocolResolver = createProtocol): RunResult<unknown, unknown> {
  const protocol = resolve(fx.protocol, fx.mutant);
  return runActions(protocol, fx.config, fx.actions, options);
}

/** Does the run match what the fixture expects? Undefined if so, else what differs. */
export function expectationMismatch(fx: Fixture, result: RunResult<unknown, unknown>): string | undefined {
  const v = result.violation;
  if (fx.expect.outcome === 'holds') {
    return v === undefined ? undefined : `expected every invariant to hold, but ${v.invariant} broke at step ${v.step}: ${v.detail}`;
  }
  if (v === undefined) return `expected ${fx.expect.invariant} to break, but every invariant held`;
  if (v.invariant !== fx.expect.invariant) return `expected ${fx.expect.invariant} to break, but ${v.invariant} broke first at step ${v.step}: ${v.detail}`;
  // A drifted replay may break the invariant elsewhere; an exact one must break it at the end.
  if (result.skipped.length === 0 && v.step !== fx.actions.length - 1 && v.step !== -1) {
    return `${v.invariant} broke at step ${v.step}, before the fixture's last action (${fx.actions.length - 1})`;
  }
  return undefined;
}

/**
 * Did the replay drift from the recording? Undefined if every recorded action ran as
 * recorded; else which ones were skipped because the protocol or simulator no longer
 * enables them (e.g. a refactored reducer sets a timer at another moment).
 */
export function driftReport(result: RunResult<unknown, unknown>): string | undefined {
  if (result.skipped.length === 0) return undefined;
  const shown = result.skipped.slice(0, 5).map((s) => `#${s.position} ${s.action.kind} (${s.reason})`);
  const more = result.skipped.length > 5 ? `, and ${result.skipped.length - 5} more` : '';
  return `drifted: ${result.skipped.length} recorded action(s) no longer enabled, skipped: ${shown.join('; ')}${more}`;
}
