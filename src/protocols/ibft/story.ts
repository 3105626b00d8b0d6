/**
 * What an IBFT node (the Klaytn design, every configuration) that has not decided after GST
 * waits for (Protocol.waitingFor), in one sentence for the termination story, after the state
 * machine of klaytn/klaytn consensus/istanbul/core: a non-member waits for a block with Q seals
 * (block sync); a node waiting for round change (core.waitingForRoundChange) for Q ROUND-CHANGEs
 * of its round; in AcceptRequest for the PREPREPARE of the round's proposer; in Preprepared for
 * Q PREPARE-or-COMMIT senders; in Prepared for Q COMMITs. Counts come from the node's raw
 * message log (which the rules never read), against the committee's Q, so a node that holds
 * enough and still does not move says so; the missing senders are named with their standing
 * and, when they are elsewhere, their height and round. Runs only when termination fails.
 */
import type { ClusterConfig, NodeId, StuckView } from '../../core/types.ts';
import type { IbftMessage } from './messages.ts';
import type { IbftState, Received } from './state.ts';

/** The shared part of IBFT and QBFT states a story reads. */
export interface ChainNode {
  readonly self: NodeId;
  readonly seq: number;
  readonly round: number;
  readonly committee: readonly NodeId[];
  readonly quorum: number;
  readonly chain: readonly string[];
  readonly log: readonly Received[];
}

/** Distinct committee members whose message of this node's height satisfies `pick`. */
export function sendersOf(s: ChainNode, pick: (m: IbftMessage) => boolean): NodeId[] {
  const who = new Set<NodeId>();
  for (const { from, msg } of s.log) if (msg.seq === s.seq && s.committee.includes(from) && pick(msg)) who.add(from);
  return [...who];
}

/** "3 of Q = 3 PREPAREs of h0 r19 for h0r0p1 from nodes 1, 2, 3; none from node 0 (...)": a count against Q, with who is missing and where they are. */
export function tally<S extends ChainNode>(what: string, s: S, have: readonly NodeId[], stuck: StuckView<S, IbftMessage>): string {
  // Where a missing sender is, unless its standing already says why it is silent (cut off, crashed).
  const where = s.committee.filter((x) => !have.includes(x) && !/^(cut off|crashed|rebooting)/.test(stuck.standing(x) ?? '')).flatMap((x) => {
    const o = stuck.states[x];
    return o !== undefined && (o.seq !== s.seq || o.round !== s.round) && x !== s.self ? [`node ${x} is at h${o.seq} r${o.round}`] : [];
  });
  return `${have.length} of Q = ${s.quorum} ${what} ${stuck.senders(have, s.committee)}${where.length ? ` (${where.join(', ')})` : ''}`;
}

/** A node outside the committee only imports blocks: the most seals it holds for one block of its height. */
export function followerStory<S extends ChainNode>(s: S, stuck: StuckView<S, IbftMessage>): string {
  const groups = new Map<string, NodeId[]>();
  for (const { from, msg } of s.log) {
    if (msg.type !== 'commit' || msg.seq !== s.seq || !msg.seal || !s.committee.includes(from)) continue;
    const key = `${msg.digest} r${msg.round}`;
    const who = groups.get(key) ?? [];
    if (!who.includes(from)) who.push(from);
    groups.set(key, who);
  }
  let best: [string, NodeId[]] | undefined;
  for (const g of groups) if (best === undefined || g[1].length > best[1].length) best = g;
  return `is not in the committee {${s.committee.join(',')}} of h${s.seq}: waits for a block of h${s.seq} with Q valid seals (block sync); ` +
    (best === undefined ? 'holds no COMMIT seal of it' : tally(`seals for ${best[0]}`, s, best[1], stuck));
}

export function ibftWaitingFor(s: IbftState, _cfg: ClusterConfig, stuck: StuckView<IbftState, IbftMessage>): string {
  if (!s.committee.includes(s.self)) return followerStory(s, stuck);
  const h = s.seq;
  const r = s.round;
  const lock = s.locked === null ? '' : `; locked on ${s.locked} (answers another block with ROUND-CHANGE)`;
  if (s.waiting) {
    const rcs = sendersOf(s, (m) => m.type === 'roundchange' && m.round === r);
    return `waits for round change to r${r}: ${tally(`ROUND-CHANGEs of h${h} r${r}`, s, rcs, stuck)}${lock}`;
  }
  switch (s.phase) {
    case 'AcceptRequest':
      return `waits for a PREPREPARE of h${h} r${r} from proposer ${stuck.who(s.proposer)}${lock}`;
    case 'Preprepared': {
      const digest = s.preprepare;
      const votes = sendersOf(s, (m) => (m.type === 'prepare' || m.type === 'commit') && m.round === r && m.digest === digest);
      return `has the PREPREPARE ${digest} of r${r}; ${tally(`PREPARE-or-COMMIT senders of h${h} r${r} for it`, s, votes, stuck)}${lock}`;
    }
    case 'Prepared':
    case 'Committed': {
      const digest = s.preprepare;
      const commits = sendersOf(s, (m) => m.type === 'commit' && m.round === r && m.digest === digest && m.seal);
      return `${s.phase === 'Committed' ? 'committed but did not import' : 'prepared'} ${digest} in r${r}; ${tally(`valid COMMITs of h${h} r${r} for it`, s, commits, stuck)}${lock}`;
    }
  }
}
