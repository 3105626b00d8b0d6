/**
 * What a QBFT node that has not decided after GST waits for (Protocol.waitingFor), in one
 * sentence for the termination story, after the upon-rules of the Consensys specification
 * (qbft-formal-spec-and-verification dafny/spec/L1/node.dfy): without an accepted proposal, the
 * PROPOSAL of its round from the proposer (and, when it is the proposer of a round > 0 itself,
 * the Q ROUND-CHANGEs that justify one: UponRoundChange); with one, Q PREPAREs (UponPrepare);
 * after its COMMIT, Q COMMITs (UponCommit). Counts come from the node's message log against the
 * committee's Q (the same sentence helpers as IBFT), so a node that holds enough and still does
 * not move says so. Runs only when termination fails.
 */
import type { ClusterConfig, StuckView } from '../../core/types.ts';
import { lastProposerOf, proposerFor } from '../ibft/committee.ts';
import type { IbftMessage } from '../ibft/messages.ts';
import { followerStory, sendersOf, tally } from '../ibft/story.ts';
import type { QbftState } from './state.ts';

export function qbftWaitingFor(s: QbftState, _cfg: ClusterConfig, stuck: StuckView<QbftState, IbftMessage>): string {
  if (!s.committee.includes(s.self)) return followerStory(s, stuck);
  const h = s.seq;
  const r = s.round;
  const prepared = s.prepared === null ? '' : `; prepared ${s.prepared.block}@r${s.prepared.round}`;
  if (s.accepted === null) {
    const proposerId = proposerFor(s.options.proposer, { committee: s.committee, lastProposer: lastProposerOf(s.chain), seq: h, round: r });
    if (proposerId === s.self && r > 0) {
      const rcs = sendersOf(s, (m) => m.type === 'roundchange' && m.round === r);
      return `is the proposer of h${h} r${r} and has not proposed: ${tally(`ROUND-CHANGEs of h${h} r${r} (a justified proposal needs Q)`, s, rcs, stuck)}${prepared}`;
    }
    return `waits for a PROPOSAL of h${h} r${r} from proposer ${stuck.who(proposerId)}${prepared}`;
  }
  const block = s.accepted;
  if (s.committedRound !== r) {
    const prepares = sendersOf(s, (m) => m.type === 'prepare' && m.round === r && m.digest === block);
    return `accepted ${block} in r${r}, sent no COMMIT: ${tally(`PREPAREs of h${h} r${r} for it`, s, prepares, stuck)}${prepared}`;
  }
  const commits = sendersOf(s, (m) => m.type === 'commit' && m.round === r && m.digest === block && m.seal);
  return `committed ${block} in r${r}: ${tally(`valid COMMITs of h${h} r${r} for it`, s, commits, stuck)}`;
}
