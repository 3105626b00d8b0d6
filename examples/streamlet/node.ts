/**
 * One Streamlet node (Chan and Shi, AFT 2020, section 3), as pure reducers: one function
 * per rule of the paper, each returning the next state and its effects.
 *
 * Epochs. The paper's epochs are 2Δ of synchronized time; here an epoch ends when the
 * adversary fires the node's `epoch` timer (after GST: only when no message is in flight,
 * i.e. after everything sent in the epoch arrived). Clocks are not synchronized, so a node
 * that hears the proposal of a later epoch from that epoch's leader moves to that epoch at
 * once (and votes on it). Safety needs no clock: a node still votes at most once per epoch,
 * and only in its current epoch. After GST this lets the most advanced correct node pull
 * every other one into its epoch the next time it leads, and from then on epochs advance
 * in lockstep (each node's one live timer fires once per round of the timer queue).
 *
 * Echo. Streamlet assumes every message is relayed by whoever hears it; the harness's
 * gossip after GST (lost messages of correct senders sent again, a Byzantine message one
 * correct node received relayed to all) is that echo, so nodes do not relay themselves
 * (which would cost n^3 messages per epoch for nothing the harness does not already do).
 */
import { type ClusterConfig, type Effect, type Step, type Timer, quorum } from 'consensus-harness';
import { type Block, GENESIS, GENESIS_ID, type StreamletMessage, blockId } from './messages.ts';

/** The planted bugs (protocol.ts lists them with their descriptions). */
export type Bug = 'finalize-on-two' | 'vote-any-notarized' | 'count-duplicate-votes';

export interface StreamletState {
  readonly self: number;
  readonly n: number;
  /** Votes that notarize a block: at least 2n/3 (section 3), from the library's one quorum helper. */
  readonly quorum: number;
  readonly bug: Bug | undefined;
  readonly epoch: number;
  /** The last epoch whose first proposal from its leader this node handled (voted on or refused). */
  readonly handled: number;
  /** The last epoch this node voted in (0: none). */
  readonly votedIn: number;
  /** Every block this node heard of, by id (genesis included). */
  readonly blocks: ReadonlyMap<string, Block>;
  /**
   * Who voted for each block, one entry per vote message received, duplicates included:
   * the record of what arrived. The reducer counts distinct senders from it; the
   * properties recount it their own way.
   */
  readonly heard: ReadonlyMap<string, readonly number[]>;
  /** Blocks on a notarized chain in this node's view, with the chain's length (genesis 0). */
  readonly chainLength: ReadonlyMap<string, number>;
  /** Length of the longest notarized chain seen. */
  readonly longest: number;
  /** The finalized chain, ids by position: final[i] is at chain position i+1, decided as height i. */
  readonly final: readonly string[];
}

export type Out = { readonly state: StreamletState; readonly effects: Effect<StreamletMessage>[] };

/** Round-robin leaders (the paper hashes the epoch, H*(e) mod n; any fixed rotation will do here). */
export function leader(epoch: number, n: number): number {
  return epoch % n;
}

export function epochTimer(epoch: number): Timer {
  return { name: 'epoch', height: 0, round: epoch };
}

export function initialState(self: number, cfg: ClusterConfig, bug: Bug | undefined): StreamletState {
  return {
    self,
    n: cfg.n,
    quorum: quorum(cfg.n, cfg.f),
    bug,
    epoch: 1,
    handled: 0,
    votedIn: 0,
    blocks: new Map([[GENESIS_ID, GENESIS]]),
    heard: new Map(),
    chainLength: new Map([[GENESIS_ID, 0]]),
    longest: 0,
    final: [],
  };
}

/** Tips of the longest notarized chains this node has seen, smallest id first. */
export function longestTips(s: StreamletState): string[] {
  const tips: string[] = [];
  for (const [id, len] of s.chainLength) if (len === s.longest) tips.push(id);
  return tips.sort();
}

/** "Propose": the leader of epoch e proposes a block extending one of the longest notarized chains it has seen. */
export function propose(s: StreamletState): Effect<StreamletMessage>[] {
  if (leader(s.epoch, s.n) !== s.self) return [];
  const block: Block = { epoch: s.epoch, parent: longestTips(s)[0]!, payload: `p${s.self}` };
  return [{ kind: 'broadcast', msg: { kind: 'propose', block } }];
}

/** Epoch e's timer fired in epoch e: the epoch is over; in e+1, propose if leading. A timer of a past epoch is stale. */
export function onEpochTimer(s: StreamletState, t: Timer): Out {
  if (t.name !== 'epoch' || t.round !== s.epoch) return { state: s, effects: [] };
  const next: StreamletState = { ...s, epoch: s.epoch + 1 };
  return { state: next, effects: [{ kind: 'setTimer', timer: epochTimer(next.epoch) }, ...propose(next)] };
}

/** Does `b` extend (directly) one of the longest notarized chains this node has seen, from an earlier epoch? */
export function extendsLongest(s: StreamletState, b: Block): boolean {
  const len = s.chainLength.get(b.parent);
  if (len === undefined) return false;
  if (s.blocks.get(b.parent)!.epoch >= b.epoch) return false;
  // vote-any-notarized: any notarized chain will do, the longest-chain rule is gone.
  return s.bug === 'vote-any-notarized' || len === s.longest;
}

/**
 * "Vote": on the first proposal of its current epoch from the epoch's leader, a node votes
 * if the block extends one of the longest notarized chains it has seen. A proposal of a
 * later epoch moves the node there first (see the header); one of an earlier epoch is late.
 */
export function onProposal(s: StreamletState, from: number, b: Block): Out {
  if (from !== leader(b.epoch, s.n) || b.epoch < s.epoch) return { state: s, effects: [] };
  const effects: Effect<StreamletMessage>[] = [];
  let next = s;
  if (b.epoch > s.epoch) {
    next = { ...next, epoch: b.epoch };
    effects.push({ kind: 'setTimer', timer: epochTimer(b.epoch) });
  }
  if (next.handled >= b.epoch) return { state: next, effects };
  next = { ...next, handled: b.epoch };
  if (!extendsLongest(next, b)) return { state: next, effects };
  effects.push({ kind: 'broadcast', msg: { kind: 'vote', block: b } });
  return { state: { ...next, votedIn: b.epoch }, effects };
}

/** Votes for `id` as this node counts them: distinct senders (count-duplicate-votes: every message). */
function votesFor(s: StreamletState, id: string): number {
  const voters = s.heard.get(id);
  if (voters === undefined) return 0;
  if (s.bug === 'count-duplicate-votes') return voters.length;
  let distinct = 0;
  for (let i = 0; i < voters.length; i++) if (voters.indexOf(voters[i]!) === i) distinct++;
  return distinct;
}

/**
 * "Notarize": a block with votes from 2n/3 nodes is notarized; a chain is notarized when
 * every block on it is. `id` just got a vote: if that makes it notarized and its parent is
 * on a notarized chain, it joins, and so may its children that were waiting for it.
 */
function notarize(s: StreamletState, id: string): StreamletState {
  if (s.chainLength.has(id) || votesFor(s, id) < s.quorum) return s;
  const b = s.blocks.get(id)!;
  const parentLength = s.chainLength.get(b.parent);
  if (parentLength === undefined || s.blocks.get(b.parent)!.epoch >= b.epoch) return s;
  const chainLength = new Map(s.chainLength);
  const queue = [id];
  chainLength.set(id, parentLength + 1);
  let longest = Math.max(s.longest, parentLength + 1);
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i]!;
    const pb = s.blocks.get(p)!;
    for (const [cid, c] of s.blocks) {
      if (c.parent !== p || chainLength.has(cid) || c.epoch <= pb.epoch || votesFor(s, cid) < s.quorum) continue;
      chainLength.set(cid, chainLength.get(p)! + 1);
      longest = Math.max(longest, chainLength.get(p)! + 1);
      queue.push(cid);
    }
  }
  return { ...s, chainLength, longest };
}

/** The chain from genesis (excluded) to `tip`, ids by position. */
function chainTo(s: StreamletState, tip: string): string[] {
  const out: string[] = [];
  for (let id = tip; id !== GENESIS_ID; id = s.blocks.get(id)!.parent) out.push(id);
  return out.reverse();
}

/**
 * "Finalize": three adjacent notarized blocks of consecutive epochs e, e+1, e+2 finalize
 * the chain up to the second (the genesis block counts, as epoch 0). The deepest such
 * middle block wins; every position of the finalized chain that changed is decided.
 */
function finalize(s: StreamletState): Out {
  // Blocks on a notarized chain with a notarized child of the very next epoch.
  const hasNextChild = new Set<string>();
  for (const id of s.chainLength.keys()) {
    if (id === GENESIS_ID) continue;
    const b = s.blocks.get(id)!;
    if (s.blocks.get(b.parent)!.epoch === b.epoch - 1) hasNextChild.add(b.parent);
  }
  let tip: string | undefined;
  let tipLength = s.final.length;
  for (const [id, len] of s.chainLength) {
    if (len <= tipLength) continue;
    // finalize-on-two: the middle block needs no child, two adjacent blocks are enough.
    if (s.bug !== 'finalize-on-two' && !hasNextChild.has(id)) continue;
    const b = s.blocks.get(id)!;
    if (s.blocks.get(b.parent)!.epoch !== b.epoch - 1) continue;
    tip = id;
    tipLength = len;
  }
  if (tip === undefined) return { state: s, effects: [] };
  const final = chainTo(s, tip);
  const effects: Effect<StreamletMessage>[] = [];
  for (let i = 0; i < final.length; i++) {
    if (s.final[i] !== final[i]) effects.push({ kind: 'decide', height: i, value: final[i]! });
  }
  return { state: { ...s, final }, effects };
}

/** A vote arrived: record it, then notarize and finalize what it completes. */
export function onVote(s: StreamletState, from: number, id: string): Out {
  const heard = new Map(s.heard);
  heard.set(id, [...(s.heard.get(id) ?? []), from]);
  const counted = notarize({ ...s, heard }, id);
  if (counted.longest === s.longest && counted.chainLength === s.chainLength) return { state: counted, effects: [] };
  return finalize(counted);
}

/** Remember a block heard of in any message. */
function learn(s: StreamletState, id: string, b: Block): StreamletState {
  if (s.blocks.has(id)) return s;
  const blocks = new Map(s.blocks);
  blocks.set(id, b);
  return { ...s, blocks };
}

export function init(self: number, cfg: ClusterConfig, bug: Bug | undefined): Step<StreamletState, StreamletMessage> {
  const s = initialState(self, cfg, bug);
  return { state: s, effects: [{ kind: 'setTimer', timer: epochTimer(1) }, ...propose(s)] };
}

export function onMessage(s: StreamletState, from: number, m: StreamletMessage): Step<StreamletState, StreamletMessage> {
  const id = blockId(m.block);
  if (id === GENESIS_ID || m.block.epoch < 1) return { state: s, effects: [] };
  const known = learn(s, id, m.block);
  return m.kind === 'vote' ? onVote(known, from, id) : onProposal(known, from, m.block);
}
