/**
 * A failing run's action list written back as a choice tape (the inverse of
 * adversary/decode.ts decodeChoice): each adversary action becomes the integer that picks its
 * kind among the enabled kinds and itself among the enabled actions of that kind. The tape
 * then re-derives exactly the minimized run, so a shrunk scenario (config plus tape) and its
 * minimized action list never disagree, whatever config the pipeline settled on.
 */
import type { ClusterConfig, Protocol } from '../core/types.ts';
import type { Action } from '../sim/actions.ts';
import { type World, deliverable, isByzantine, sameTimer } from '../sim/world.ts';
import { TAPE_VALUE_MAX } from '../adversary/arbitraries.ts';
import { enabledKinds, rebootChoices, tapeKindOf } from '../adversary/decode.ts';
import { afterRecording, execute, runTape } from '../check/execute.ts';
import { violationKey } from '../check/invariants.ts';
import { guarded } from '../check/guard.ts';

/** The index of `a` among the enabled actions of its kind, in decode.ts's order; undefined if absent. */
function indexInKind<S, M>(protocol: Protocol<S, M>, w: World<S, M>, a: Action<M>): number | undefined {
  const { cfg } = w;
  const at = (i: number) => (i < 0 ? undefined : i);
  // Crash-recovery: reboots and crashes inside a call are choices of the kind `reboot`.
  if (tapeKindOf(a) === 'reboot') return at(rebootChoices(w).findIndex((x) => JSON.stringify(x) === JSON.stringify(a)));
  switch (a.kind) {
    case 'deliver':
      return at(w.inFlight.filter((e) => deliverable(w, e)).findIndex((e) => e.id === a.id));
    case 'fire':
      return at(w.timers.filter((t) => !w.crashed[t.node]).findIndex((t) => t.node === a.node && sameTimer(t.timer, a.timer)));
    case 'drop':
      return at((w.used.drops < cfg.faults.drops ? w.inFlight : w.inFlight.filter((e) => isByzantine(cfg, e.from))).findIndex((e) => e.id === a.id));
    case 'duplicate':
      return at(w.inFlight.findIndex((e) => e.id === a.id));
    case 'inject': {
      const recipients = cfg.n - 1;
      const key = protocol.messageKey(a.msg);
      let offset = 0;
      for (const self of cfg.byzantine) {
        const msgs = protocol.byzantineMessages!({ cfg, self, states: w.states, seen: w.inFlight.map((e) => e.msg) });
        if (self === a.from) {
          const m = msgs.findIndex((x) => protocol.messageKey(x) === key);
          if (m < 0 || a.to === a.from || a.to >= cfg.n) return undefined;
          return offset + m * recipients + (a.to > a.from ? a.to - 1 : a.to);
        }
        offset += msgs.length * recipients;
      }
      return undefined;
    }
    case 'crash':
    case 'restart': {
      const nodes: number[] = [];
      for (let node = 0; node < w.crashed.length; node++) if (w.crashed[node] === (a.kind === 'restart')) nodes.push(node);
      return at(nodes.indexOf(a.node));
    }
    case 'partition': {
      // Node 0 on side 0; the mask over instances 1..k-1 minus one.
      const sides = a.groups[0] === 0 ? a.groups : a.groups.map((g) => 1 - g);
      let mask = 0;
      for (let node = 1; node < sides.length; node++) mask += (sides[node]! === 1 ? 1 : 0) * 2 ** (node - 1);
      return mask >= 1 && sides.every((g) => g === 0 || g === 1) ? mask - 1 : undefined;
    }
    case 'heal':
      return 0;
    case 'event': {
      let i = 0;
      for (let node = 0; node < w.states.length; node++) {
        if (w.crashed[node]) continue;
        for (const event of protocol.events!(w.states[node]!, cfg)) {
          if (node === a.node && event === a.event) return i;
          i++;
        }
      }
      return undefined;
    }
    case 'gst':
    case 'reboot':
      return undefined;
  }
}

/**
 * The tape that decodes to `actions` (their part before GST) under `cfg`, with uniform
 * delivery; undefined if some action cannot be written (not enabled, or beyond the tape's
 * value range) or the tape does not re-derive the same run and violation.
 */
export function encodeTape<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, actions: readonly Action<M>[]): number[] | undefined {
  const p = guarded(protocol);
  const gstAt = actions.findIndex((a) => a.kind === 'gst');
  const prefix = gstAt < 0 ? actions.length : gstAt;
  const tape: number[] = [];
  let ok = true;
  let last: World<S, M> | undefined;
  const original = execute(p, cfg, (w, i) => {
    last = w;
    const a = actions[i];
    // After the list: as every replay ends (the tail after GST, else the adversary's probe).
    if (a === undefined) return afterRecording(p, w);
    if (i >= prefix || !ok) return a;
    const kinds = enabledKinds(p, w);
    const k = kinds.indexOf(tapeKindOf(a));
    const j = k < 0 ? undefined : indexInKind(p, w, a);
    const x = j === undefined ? undefined : k + kinds.length * j;
    if (x === undefined || x > TAPE_VALUE_MAX) ok = false;
    else tape.push(x);
    return a;
  });
  if (!ok || original.violation === undefined) return undefined;
  const key = violationKey(original.violation);
  // The very same run: GST included (it may carry choices the tape would have to encode too).
  const expected = JSON.stringify(original.actions);
  const same = (t: readonly number[]) => {
    const r = runTape(p, cfg, t);
    return r.violation !== undefined && violationKey(r.violation) === key && JSON.stringify(r.actions) === expected;
  };
  if (same(tape)) return tape;
  // A failure met while the adversary lists its choices (the Byzantine vocabulary): one more
  // entry that picks "inject" makes the tape run ask for it, as the list replay's probe does.
  if (last !== undefined && !last.gst) {
    const kinds = enabledKinds(p, last);
    const k = kinds.indexOf('inject');
    if (k >= 0 && same([...tape, k])) return [...tape, k];
  }
  return undefined;
}
