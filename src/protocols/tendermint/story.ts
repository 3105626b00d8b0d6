/**
 * What a Tendermint node that has not decided after GST waits for (Protocol.waitingFor), in
 * one sentence for the termination story: the proposal of its round and who owes it, the
 * votes of its step it holds against the 2f+1 the paper needs and who has not sent them, its
 * lock, and how it voted in the earlier rounds of the height. Read from the node's message log
 * (its own votes are in it: a broadcast reaches the sender at once) and the cluster at the end;
 * the thresholds are the paper's (2f+1 of n), not the reducer's, so a node that holds enough
 * votes and still does not move says so. Runs only when termination fails.
 */
import type { ClusterConfig, NodeId, StuckView } from '../../core/types.ts';
import { quorum } from '../../core/quorum.ts';
import type { TendermintMessage } from './messages.ts';
import { type TendermintState, type Vote, currentRounds, roundLog } from './state.ts';

const short = (id: string | null) => (id === null ? 'nil' : id.slice(0, 8));

/** "PRECOMMITs of h0 r30: nil: 2, 2f+1 = 3 needed for one value; from nodes 0, 1; none from node 2 (...), node 3". */
function voteTally(kind: string, h: number, r: number, votes: readonly Vote[], q: number, cfg: ClusterConfig, stuck: StuckView<TendermintState, TendermintMessage>): string {
  const byId = new Map<string, number>();
  for (const v of votes) byId.set(short(v.id), (byId.get(short(v.id)) ?? 0) + 1);
  const split = [...byId].map(([id, c]) => `${id}: ${c}`).join(', ');
  const everyone = Array.from({ length: cfg.n }, (_, i) => i);
  return `${kind}s of h${h} r${r}: ${split || 'none'}, 2f+1 = ${q} needed for one value; ${stuck.senders(votes.map((v) => v.from), everyone)}`;
}

/** How the node voted in the earlier rounds of its height (its own prevotes in its log). */
function history(s: TendermintState): string | undefined {
  const earlier = currentRounds(s).filter((x) => x.round < s.round).sort((a, b) => a.round - b.round);
  if (earlier.length === 0) return undefined;
  let nil = 0;
  let nilOnProposal = 0;
  for (const { log } of earlier) {
    const own = log.prevotes.find((v) => v.from === s.self);
    if (own === undefined || own.id !== null) continue;
    nil++;
    if (log.proposals.length > 0) nilOnProposal++;
  }
  if (nil === 0) return undefined;
  const all = nil === s.round ? `every earlier round (0-${s.round - 1})` : `${nil} of its ${s.round} earlier round(s)`;
  return `prevoted nil in ${all}${nilOnProposal ? `, ${nilOnProposal} of them with a PROPOSAL in hand` : ''}`;
}

export function tendermintWaitingFor(s: TendermintState, cfg: ClusterConfig, stuck: StuckView<TendermintState, TendermintMessage>): string {
  const h = s.height;
  const r = s.round;
  const q = quorum(cfg.n, cfg.f);
  // proposer(h, r) of the paper: round robin over the nodes, one step per height and per round.
  const proposerId: NodeId = (h + r) % cfg.n;
  const log = roundLog(s, h, r);
  const parts: string[] = [];
  if (log.proposals.length === 0) parts.push(`waits for a PROPOSAL of h${h} r${r} from ${stuck.who(proposerId)}`);
  else {
    const p = log.proposals[0]!;
    const refused = s.lockedValue !== null && p.value !== s.lockedValue && p.validRound < s.lockedRound;
    parts.push(`has the PROPOSAL of h${h} r${r} ${short(p.id)} (vr=${p.validRound})${refused ? `, refused: locked on ${s.lockedValue}@${s.lockedRound}` : ''}`);
  }
  if (s.step === 'prevote') parts.push(voteTally('PREVOTE', h, r, log.prevotes, q, cfg, stuck));
  if (s.step === 'precommit') parts.push(voteTally('PRECOMMIT', h, r, log.precommits, q, cfg, stuck));
  if (s.lockedValue !== null && !parts.some((x) => x.includes('locked on'))) parts.push(`locked on ${s.lockedValue}@${s.lockedRound}`);
  const past = history(s);
  if (past !== undefined) parts.push(past);
  return parts.join('; ');
}
