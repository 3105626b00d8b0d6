import type { ClusterConfig, NodeId, WorldView } from '../../core/types.ts';
import type { StepObserver } from '../../check/execute.ts';
import { checkedCommittee, checkedQuorum } from './checks.ts';
import type { IbftMessage } from './messages.ts';
import type { IbftState } from './state.ts';

/**
 * The IBFT 1.0 liveness flaw, caught early (Saltini, "Correctness Analysis of IBFT",
 * arXiv 1901.07160; the Klaytn lock is released only by a new height or a failed import):
 * when the nodes of one height hold locks on different blocks such that no block can gather
 * Q PREPARE-or-COMMIT senders any more (a locked node votes only for its lock; an unlocked
 * one for anything), no round can ever commit, and no failed import can unlock anyone.
 *
 * This looks at every node of the world: a Byzantine node counts as a supporter of any block
 * before GST (it may still sign anything), and by its own state after GST (it runs the
 * honest reducer then), unless it runs as Twins (a supporter of any block throughout). It is a check over the whole world, which the Protocol contract's
 * transition and final invariants cannot express (they see one node, or the correct nodes
 * only): the protocol declares it as a world invariant, `lock-split`, checked after every
 * step; watchLockSplit gives the same check as an `observe` hook for tests.
 */
export function lockSplit(w: WorldView<IbftState, IbftMessage>): string | undefined {
  const cfg: ClusterConfig = w.cfg;
  let any: IbftState | undefined;
  for (let i = 0; i < cfg.n; i++) {
    if (cfg.byzantine.includes(i)) continue;
    const s = w.states[i]!;
    if (any === undefined) any = s;
    else if (s.seq !== any.seq) return undefined; // someone is ahead: the others will import its block
  }
  if (any === undefined) return undefined;
  const seq = any.seq;
  if (!twoBlocksHeld(w, seq)) return undefined;
  const members = checkedCommittee(any.n - (any.options.initiallyOutside ?? 0), any.chain);
  const q = checkedQuorum(members.size, any.options.quorum);
  const locks = new Map<string, NodeId[]>();
  let unlocked = 0;
  let wildcards = 0;
  for (const node of members) {
    const s = w.states[node];
    if (s === undefined) continue;
    // A twinned identity runs two honest instances that may hold different locks: its
    // signature can back either block, before and after GST (found: 2 false alarms in 3,000
    // default scenarios with --twins before this rule).
    if (cfg.byzantine.includes(node) && (!w.gst || cfg.twins.includes(node))) {
      wildcards++;
      continue;
    }
    // A node past this height holds its block and answers a PREPREPARE of it with a COMMIT
    // (sendCommitForOldBlock): it supports that block like a lock does.
    const held = s.seq > seq ? s.chain[seq] ?? null : s.seq === seq ? s.locked : null;
    if (s.seq < seq) continue;
    if (held === null || (s.seq === seq && mayFailImport(w, node, s, members, q))) unlocked++;
    else locks.set(held, [...(locks.get(held) ?? []), node]);
  }
  if (locks.size < 2) return undefined;
  // The seals below only add backers: when the locks alone leave a block able to reach Q, stop here.
  if (unlocked + wildcards >= q) return undefined;
  for (const holders of locks.values()) if (holders.length + unlocked + wildcards >= q) return undefined;
  // Seals already signed also back a block: a node imports a block once it holds Q valid seals
  // of one round (block sync), and after GST every signed COMMIT reaches every correct node.
  // Count, per block, the members whose valid-seal COMMIT for it at this height exists in
  // flight or in any node's log (over-counting across rounds: a false alarm costs more than
  // a late one). Found: soak seed "soak" scenario 648,489 terminated with locks split 2/2,
  // through seals signed before GST.
  const sealed = new Map<string, Set<NodeId>>();
  const seal = (from: NodeId, m: IbftMessage) => {
    if (m.type !== 'commit' || m.seq !== seq || !m.seal || !members.has(from)) return;
    const who = sealed.get(m.digest) ?? new Set<NodeId>();
    who.add(from);
    sealed.set(m.digest, who);
  };
  for (const e of w.inFlight) seal(e.from, e.msg);
  for (const s of w.states) for (const r of s.log) seal(r.from, r.msg);
  for (const [block, holders] of locks) {
    const backers = new Set([...holders, ...(sealed.get(block) ?? [])]);
    if (backers.size + unlocked + wildcards >= q) return undefined;
  }
  for (const who of sealed.values()) if (who.size + unlocked + wildcards >= q) return undefined;
  if (unlocked + wildcards >= q) return undefined;
  const groups = [...locks.entries()].map(([block, who]) => `${block} by [${who.join(',')}]`).join(', ');
  return `height ${seq}: locks ${groups}, ${unlocked} unlocked${wildcards ? `, ${wildcards} Byzantine` : ''}: no block can reach Q=${q} PREPARE-or-COMMIT senders again`;
}

/**
 * Can this locked node still lose its lock through a failed import (core.go commit: the first
 * Q COMMITs of its round are imported with their seals; fewer than Q valid ones release the
 * lock)? Yes while it has not yet gathered Q COMMITs and a seal that does not verify is among
 * those it holds or on its way to it, or a Byzantine member may still send one (before GST,
 * or equivocating after it). Such a lock is not for ever: the node counts as unlocked. Found
 * by the IBFT engineer: 10 of 10 lock-split reports checked on the seal-attack shape
 * (seed m4, scenario 945: a lock taken on a bad-seal COMMIT) terminated once the check was
 * off.
 */
function mayFailImport(w: WorldView<IbftState, IbftMessage>, node: NodeId, s: IbftState, members: ReadonlySet<NodeId>, q: number): boolean {
  if (s.commits.length >= q) return false;
  for (const c of s.commits) if (!c.seal && members.has(c.from)) return true;
  for (const e of w.inFlight) {
    if (e.to === node && e.msg.type === 'commit' && !e.msg.seal && e.msg.seq === s.seq && e.msg.round === s.round) return true;
  }
  for (const b of w.cfg.byzantine) {
    if (!members.has(b)) continue;
    if (!w.gst || w.afterGst?.behaviour[b] === 'equivocating') return true;
  }
  return false;
}

/**
 * Do two nodes (any nodes, not only this height's committee; wildcards left out) hold
 * different blocks at height `seq`, as lockSplit reads holding? Without that no split exists,
 * and this answers it without allocating: lockSplit runs after every step of every run, and
 * the locks of one height are almost always on one block.
 */
function twoBlocksHeld(w: WorldView<IbftState, IbftMessage>, seq: number): boolean {
  let first: string | null = null;
  for (let node = 0; node < w.states.length; node++) {
    const s = w.states[node]!;
    if (w.cfg.byzantine.includes(node) && (!w.gst || w.cfg.twins.includes(node))) continue;
    if (s.seq < seq) continue;
    const held = s.seq > seq ? s.chain[seq] ?? null : s.locked;
    if (held === null) continue;
    if (first === null) first = held;
    else if (held !== first) return true;
  }
  return false;
}

/** An observer that records the first step at which lockSplit holds (index -1 is init). */
export function watchLockSplit(): { observe: StepObserver<IbftState, IbftMessage>; first: () => { step: number; detail: string } | undefined } {
  let first: { step: number; detail: string } | undefined;
  return {
    observe: (index, _action, world) => {
      if (first !== undefined) return;
      const detail = lockSplit(world);
      if (detail !== undefined) first = { step: index, detail };
    },
    first: () => first,
  };
}
