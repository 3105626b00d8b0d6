/**
 * Abstract-state coverage (issue 12, item 1): a run's coverage is the set of abstract
 * cluster states it passed through. A node's abstract state is the protocol's
 * `abstraction(state)` (default: its view as JSON); a cluster's is the multiset of its
 * correct nodes' abstract states, written sorted. Sorted, because the coverage should say
 * "two nodes locked a round ago, one precommitting" whichever nodes they are: keeping the
 * node order would count every permutation of one situation as new coverage and drown the
 * signal (no protocol here is fully symmetric, Tendermint's proposer rotates, but which
 * node holds which abstract state is what the mutations reshuffle anyway). Byzantine nodes
 * and twin instances are left out: their states say nothing about the correct protocol.
 */
import type { ClusterConfig, Effect, Protocol, TransitionInput } from '../core/types.ts';
import { type StepRecord, reducerCall } from '../sim/step.ts';
import type { Action } from '../sim/actions.ts';
import { type World, sameTimer } from '../sim/world.ts';
import { enabledKinds, rebootChoices } from '../adversary/decode.ts';
import { UserError } from '../core/errors.ts';
import { ProtocolFault } from '../core/errors.ts';
import type { StepObserver } from '../check/execute.ts';

/** The abstract state of one node: the protocol's abstraction, or its view. */
export function nodeAbstraction<S, M>(protocol: Protocol<S, M>): (s: S) => string {
  const abstraction = protocol.abstraction;
  const f = abstraction !== undefined ? (s: S) => abstraction.call(protocol, s) : (s: S) => JSON.stringify(protocol.view(s));
  return (s) => {
    try {
      return f(s);
    } catch (e) {
      // The abstraction is a search aid, not part of the protocol's behaviour: a throw is a
      // bug of the abstraction, to be fixed, not a counterexample (replay runs without it).
      const detail = e instanceof ProtocolFault ? e.message : e instanceof Error ? e.message : String(e);
      throw new UserError(`${protocol.name}: abstraction(state) threw: ${detail}`);
    }
  };
}

/** The correct node ids of a config (the instances whose abstract states count). */
export function correctNodes(cfg: ClusterConfig): number[] {
  const out: number[] = [];
  for (let i = 0; i < cfg.n; i++) if (!cfg.byzantine.includes(i)) out.push(i);
  return out;
}

/**
 * An observer for execute/runTape that adds the abstract cluster state after every step
 * to `into`. A node's abstraction is recomputed only when its state object changed (states
 * are immutable: same object, same abstraction), the cluster key only when a node's did.
 * With a reboot budget, a node that restarted from its disk carries a mark (rebootMarks).
 */
export function coverageObserver<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, into: Set<string>): StepObserver<S, M> {
  const abstract = nodeAbstraction(protocol);
  const nodes = correctNodes(cfg);
  const last: (S | undefined)[] = nodes.map(() => undefined);
  const keys: string[] = nodes.map(() => '');
  const marks = (cfg.faults.reboots ?? 0) > 0 && protocol.recover !== undefined ? rebootMarks(protocol, cfg) : undefined;
  let before: World<S, M> | undefined;
  return (index, action, world, record) => {
    let changed = false;
    if (marks !== undefined) {
      const signed = marks.step(world.states, record);
      if (signed && before !== undefined && action !== null && !before.gst) {
        const point = crashPoint(protocol, before, action, index);
        if (point !== undefined) into.add(point);
      }
      if (before !== undefined && !before.gst && (world.used.reboots ?? 0) > (before.used.reboots ?? 0)) into.add(`${REBOOT_SPENT}${index}`);
      before = world;
    }
    for (let k = 0; k < nodes.length; k++) {
      const s = world.states[nodes[k]!]!;
      if (s === last[k] && (marks === undefined || !marks.dirty[nodes[k]!])) continue;
      last[k] = s;
      const key = marks === undefined ? abstract(s) : abstract(s) + marks.mark[nodes[k]!];
      if (key !== keys[k]) {
        keys[k] = key;
        changed = true;
      }
    }
    if (changed) into.add([...keys].sort().join(' '));
  };
}

/** What follows a restarted node's abstraction in a cluster key while it is in a crash window (rebootMarks). */
export const REBOOT_MARK = '\u21ba';

/**
 * Whether a cluster key has a node in a crash window (rebootMarks): `s` or `b`. (`r`, a vote
 * forgotten on a correct node's message, is coverage but too common to focus on: every restart
 * of HotStuff's forgets-last-voted-view has it.)
 */
export function inCrashWindow(key: string): boolean {
  return key.includes(`${REBOOT_MARK}s`) || key.includes(`${REBOOT_MARK}b`);
}

/**
 * Crash-recovery marks (only with a reboot budget). A crash-recovery bug shows itself after a
 * restart, while the node is still in the round or view it was in: it signs again where it
 * already signed (its disk was behind what it sent, or its durable part leaves something
 * out). The node abstraction does not see disks, so to the search such a restarted node
 * looks like any node in that step, and the schedules that reach the window are not kept.
 * A mark says so, from the Protocol interface alone (voteSlot, view, the reducers): at its
 * `recover` transition a node is marked REBOOT_MARK plus
 *   `s` when a vote it sent was not followed by a write (its disk does not justify the vote:
 *       write-ahead, core/durable.ts, never leaves one; vote-before-persist and
 *       lock-persisted-after-precommit do, when the crash falls between the send and the write);
 *   `r` when the rebuilt state, given once more one of the inputs of its last PROBES signing
 *       calls, signs a slot it had signed (its durable part forgot the vote: HotStuff's
 *       forgets-last-voted-view after any restart), `b` instead when that input came from a
 *       Byzantine node, which may send it another version (two votes in one slot).
 * The mark stays until the node's view leaves the (height, round) it restarted in. The probe
 * calls the reducers on the side (pure, so the run is unchanged); a throw there is ignored.
 * Measured before these marks (issue 12 note): a key marking only "down wiped" and the restart
 * count gained nothing; the abstraction-changed and restarted-in-a-voted-round marks tried
 * here were too common to steer by (20% of Tendermint's keys). Nothing is marked in a
 * campaign without reboots: its keys are as before.
 */
function rebootMarks<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig) {
  const count = cfg.n + cfg.twins.length;
  const mark: string[] = Array.from({ length: count }, () => '');
  const dirty: boolean[] = Array.from({ length: count }, () => false);
  /** The (height, round) a marked node restarted in. */
  const at: string[] = Array.from({ length: count }, () => '');
  /** Per node: the vote slots it signed, and the inputs of its last signing calls. */
  const slots: Set<string>[] = Array.from({ length: count }, () => new Set());
  const inputs: TransitionInput<M>[][] = Array.from({ length: count }, () => []);
  /** Per node: a vote it sent is not covered by a later write (write-ahead never leaves one). */
  const ahead: boolean[] = Array.from({ length: count }, () => false);
  const where = (s: S): string => {
    const v = protocol.view(s);
    return `${v.height}/${v.round}`;
  };
  /** The vote slots among a call's effects that the node had signed already. */
  const resigns = (node: number, effects: readonly Effect<M>[]): boolean => {
    for (const e of effects) {
      if (e.kind !== 'broadcast' && e.kind !== 'send') continue;
      const v = protocol.voteSlot(node, e.msg);
      if (v !== undefined && slots[node]!.has(v.slot)) return true;
    }
    return false;
  };
  /** A call's applied effects: the votes it signed (slots), and whether one left before any write of the call (`ahead`). */
  const signs = (node: number, effects: readonly Effect<M>[]): boolean => {
    let signed = false;
    let wrote = false;
    for (const e of effects) {
      if (e.kind === 'persist') {
        wrote = true;
        ahead[node] = false;
      } else if (e.kind === 'broadcast' || e.kind === 'send') {
        const v = protocol.voteSlot(node, e.msg);
        if (v === undefined) continue;
        slots[node]!.add(v.slot);
        signed = true;
        if (!wrote) ahead[node] = true;
      }
    }
    return signed;
  };
  /**
   * Would the rebuilt state sign again a slot it signed, given once more an input that made it
   * sign before? '' no, 'r' yes, 'b' yes and that input came from a Byzantine node (which may
   * send it another version: the equivocation that turns a forgotten vote into two).
   */
  const forgot = (node: number, state: S): string => {
    let out = '';
    for (const input of inputs[node]!) {
      try {
        const st = reducerCall(protocol, state, input);
        if (st !== undefined && resigns(node, st.effects)) {
          if (input.kind === 'message' && cfg.byzantine.includes(input.from)) return 'b';
          out = 'r';
        }
      } catch {
        // A probe, not a run: a throw here says nothing (the run itself is checked by the executor).
      }
    }
    return out;
  };
  return {
    mark,
    dirty,
    /** Updates the marks after a step; true when a correct node's call in it signed a vote. */
    step(states: readonly S[], record: StepRecord<S, M>): boolean {
      dirty.fill(false);
      let signed = false;
      for (const t of record.transitions) {
        const node = t.node;
        if (node >= cfg.n || cfg.byzantine.includes(node)) continue;
        if (t.input.kind === 'recover') {
          const here = where(t.after);
          const m = (ahead[node] ? 's' : '') + forgot(node, t.after);
          ahead[node] = false;
          at[node] = here;
          if (m !== '' || mark[node] !== '') dirty[node] = true;
          mark[node] = m === '' ? '' : `${REBOOT_MARK}${m}`;
        } else if (signs(node, t.effects) && t.input.kind !== 'init') {
          signed = true;
          const list = inputs[node]!;
          if (list.length >= PROBES) list.shift();
          list.push(t.input);
        }
      }
      for (let k = 0; k < count; k++) {
        if (mark[k] === '' || dirty[k]) continue;
        if (where(states[k]!) !== at[k]) {
          mark[k] = '';
          dirty[k] = true;
        }
      }
      return signed;
    },
  };
}

/** Signing inputs a restarted node is probed with (rebootMarks). */
const PROBES = 3;

/** What starts a crash point among a run's coverage keys (crashPoint); never a cluster key. */
export const CRASH_POINT = `${REBOOT_MARK}@`;

/**
 * What starts a spent-reboot note among a run's coverage keys: `${REBOOT_SPENT}index`, step
 * `index` (a tape entry, before GST) spent a reboot of the budget. Never a cluster key.
 */
export const REBOOT_SPENT = `${REBOOT_MARK}!`;

/** A key the observer adds that is a note about the run (crash point, spent reboot), not coverage. */
export function isRunNote(key: string): boolean {
  return key.startsWith(CRASH_POINT) || key.startsWith(REBOOT_SPENT);
}

/**
 * A crash point: step `index` of a run (a delivery or timer whose call signed a vote) made into
 * the same call with a crash inside it. Returned as `${CRASH_POINT}index:x:K`: the tape value
 * x + K*k at position `index` decodes (adversary/decode.ts) to that call with the node rebooting
 * after its first k effects (k < CRASH_POINTS): `reboot` is kind x mod K among the K enabled
 * ones, and its choices list each delivery and timer with k = 0, 1, 2 in a row. A tape entry
 * is one action before GST, so the prefix replays as it did. Undefined when no reboot is enabled.
 */
function crashPoint<S, M>(protocol: Protocol<S, M>, w: World<S, M>, action: Action<M>, index: number): string | undefined {
  if (action.kind !== 'deliver' && action.kind !== 'fire') return undefined;
  if (action.crashAfter !== undefined) return undefined;
  if ((w.used.reboots ?? 0) >= (w.cfg.faults.reboots ?? 0)) return undefined;
  const kinds = enabledKinds(protocol, w);
  const kind = kinds.indexOf('reboot');
  if (kind < 0) return undefined;
  const at = rebootChoices(w).findIndex((a) => (a.kind === 'deliver' ? action.kind === 'deliver' && a.id === action.id : a.kind === 'fire' && action.kind === 'fire' && a.node === action.node && sameTimer(a.timer, action.timer)));
  return at < 0 ? undefined : `${CRASH_POINT}${index}:${kind + kinds.length * at}:${kinds.length}`;
}
