import type { NodeId } from '../../core/types.ts';
import type { IbftMessage } from './messages.ts';

/*
 * What the invariants (of ibft and qbft) and the lock-split watcher compute, by paths of their
 * own: quorums by another formula than committee.ts, committees by folding the votes of the
 * chain with their own parser, counts from the raw message log. No rule code is called here.
 */

/** Q for a committee of `size` under a rule: S - floor(S/3) equals ceil(2S/3); 2F+1 with F = floor((S-1)/3). */
export function checkedQuorum(size: number, rule: 'ceil2n3' | '2f1'): number {
  if (size < 4) return size;
  return rule === '2f1' ? 2 * Math.floor((size - 1) / 3) + 1 : size - Math.floor(size / 3);
}

const VOTE = /([+-])(\d+)$/;

/** The committee of height `chain.length`: members 0..initial-1, then each block's vote applied in order. */
export function checkedCommittee(initial: number, chain: readonly string[]): Set<NodeId> {
  const members = new Set<NodeId>();
  for (let i = 0; i < initial; i++) members.add(i);
  for (const block of chain) {
    const m = VOTE.exec(block);
    if (m === null || !block.startsWith('h')) continue;
    if (m[1] === '+') members.add(Number(m[2]));
    else members.delete(Number(m[2]));
  }
  return members;
}

export interface Logged {
  readonly from: NodeId;
  readonly msg: IbftMessage;
}

/** The messages a node knew when it acted: its log before the call plus the message that triggered it. */
export function knownMessages(log: readonly Logged[], input: { kind: string; from?: NodeId; msg?: IbftMessage }): Logged[] {
  const out = [...log];
  if (input.kind === 'message' && input.msg !== undefined && input.from !== undefined) out.push({ from: input.from, msg: input.msg });
  return out;
}

/** Distinct committee members who sent a message matching `pick` for (seq, round). */
export function senders(known: readonly Logged[], members: Set<NodeId>, pick: (m: IbftMessage) => boolean): Set<NodeId> {
  const who = new Set<NodeId>();
  for (const { from, msg } of known) if (members.has(from) && pick(msg)) who.add(from);
  return who;
}

/** The rounds of `seq` that appear in the known messages. */
export function roundsOf(known: readonly Logged[], seq: number): number[] {
  const rounds: number[] = [];
  for (const { msg } of known) if (msg.seq === seq && !rounds.includes(msg.round)) rounds.push(msg.round);
  return rounds.sort((a, b) => a - b);
}

/**
 * Commit soundness: a decided block carries Q valid committed seals of distinct members of
 * its height's committee, all from one round. Returns a description of the violation or undefined.
 */
export function decisionCarriesSeals(
  node: NodeId,
  height: number,
  block: string,
  known: readonly Logged[],
  initial: number,
  chainBefore: readonly string[],
  rule: 'ceil2n3' | '2f1',
): string | undefined {
  const members = checkedCommittee(initial, chainBefore.slice(0, height));
  const q = checkedQuorum(members.size, rule);
  let best = 0;
  for (const r of roundsOf(known, height)) {
    const who = senders(known, members, (m) => m.type === 'commit' && m.seq === height && m.round === r && m.digest === block && m.seal);
    if (who.size >= q) return undefined;
    best = Math.max(best, who.size);
  }
  return `node ${node} decided ${block} at height ${height} with at most ${best} valid seals of distinct committee members in one round, needs ${q}`;
}
