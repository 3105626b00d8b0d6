/**
 * Which upon-rules of QBFT a run reached, as `sometimes` properties (the way
 * tendermint/coverage.ts does it for Algorithm 1): a campaign reports how many runs reached each
 * and names every rule no run reached.
 *
 * The rules are those of the Consensys formal specification, qbft-formal-spec-and-verification
 * dafny/spec/L1/node.dfy (UponProposal, UponPrepare, UponCommit, UponNewBlock, UponRoundChange
 * with its two branches, UponRoundTimeout), with the proposal justification of
 * node_auxiliary_functions.dfy (isProposalJustification, hasReceivedProposalJustification:
 * the highest prepared block among the round changes is re-proposed). Each is recognised from
 * the outside of one reducer call (its input, what it broadcast and decided, the accepted block
 * and round before and after), never by calling rules.ts. Allocation-free on the hot path.
 */
import type { Transition } from '../../core/types.ts';
import type { IbftMessage } from '../ibft/messages.ts';
import { broadcasts, decides, received } from '../ibft/coverage.ts';
import type { QbftState } from './state.ts';

type T = Transition<QbftState, IbftMessage>;

export interface QbftRuleWitness {
  readonly name: string;
  readonly description: string;
  seen(t: T): boolean;
}

const inRoundZero = (m: IbftMessage) => m.round === 0;
const inLaterRound = (m: IbftMessage) => m.round > 0;
const carriesPrepared = (m: IbftMessage) => m.type === 'roundchange' && m.prepared !== null;
const roundAbove = (m: IbftMessage, t: T) => m.round > t.before.round;
/**
 * A proposal of a round > 0 whose block is the prepared block of highest round among the round
 * changes it carries, with that certificate (the justification's second case).
 */
const reProposesHighestPrepared = (m: IbftMessage) => {
  if (m.type !== 'preprepare' || m.round === 0 || m.cert === null || m.block !== m.cert.block) return false;
  let highest = -1;
  for (let i = 0; i < m.rcs.length; i++) {
    const p = m.rcs[i]!.prepared;
    if (p !== null && p.round > highest) highest = p.round;
  }
  return highest === m.cert.round;
};
/** A proposal of a round > 0 justified by round changes none of which carries a prepared block: a new block. */
const freshJustified = (m: IbftMessage) => {
  if (m.type !== 'preprepare' || m.round === 0 || m.cert !== null || m.rcs.length === 0) return false;
  for (let i = 0; i < m.rcs.length; i++) if (m.rcs[i]!.prepared !== null) return false;
  return true;
};

export const QBFT_RULES: readonly QbftRuleWitness[] = [
  {
    name: 'proposal-accepted-round-0',
    description: 'node.dfy UponProposal: the round-0 proposal of the proposer is accepted and PREPAREd',
    seen: (t) => broadcasts(t, 'prepare', inRoundZero),
  },
  {
    name: 'justified-proposal-accepted',
    description: 'node.dfy UponProposal with isProposalJustification: a proposal of a round > 0, justified by Q ROUND-CHANGEs, is accepted and PREPAREd',
    seen: (t) => broadcasts(t, 'prepare', inLaterRound),
  },
  {
    name: 'proposal-moves-to-later-round',
    description: 'node.dfy UponProposal: a justified proposal of a round above the node\'s moves it to that round',
    seen: (t) => received(t, 'preprepare') && broadcasts(t, 'prepare', roundAbove),
  },
  {
    name: 'prepare-quorum-commit',
    description: 'node.dfy UponPrepare: Q PREPAREs of the accepted block in the round: prepared, COMMIT with a seal',
    seen: (t) => broadcasts(t, 'commit'),
  },
  {
    name: 'commit-quorum-decide',
    description: 'node.dfy UponCommit: Q valid COMMITs of the accepted block in the round: decide it',
    seen: (t) => decides(t)?.value === t.before.accepted && t.before.accepted !== null,
  },
  {
    name: 'new-block-import',
    description: 'node.dfy UponNewBlock: a block of this height with Q valid seals from one round is imported although it is not the accepted one',
    seen: (t) => {
      const d = decides(t);
      return d !== undefined && d.value !== t.before.accepted;
    },
  },
  {
    name: 'round-change-with-prepared-certificate',
    description: 'node_auxiliary_functions.dfy createRoundChange: a ROUND-CHANGE carries the latest prepared round and block with its PREPARE signers',
    seen: (t) => broadcasts(t, 'roundchange', carriesPrepared),
  },
  {
    name: 'proposal-re-proposes-highest-prepared',
    description: 'node.dfy UponRoundChange (hasReceivedProposalJustification): the proposer of a round > 0 re-proposes the prepared block of highest round among Q ROUND-CHANGEs, with its certificate',
    seen: (t) => broadcasts(t, 'preprepare', reProposesHighestPrepared),
  },
  {
    name: 'proposal-fresh-in-later-round',
    description: 'node.dfy UponRoundChange: Q ROUND-CHANGEs without a prepared block: the proposer of a round > 0 proposes a new block',
    seen: (t) => broadcasts(t, 'preprepare', freshJustified),
  },
  {
    name: 'round-change-catch-up',
    description: 'node.dfy UponRoundChange, second branch: F+1 ROUND-CHANGEs of higher rounds move the node to the smallest of them with a ROUND-CHANGE of its own',
    seen: (t) => received(t, 'roundchange') && broadcasts(t, 'roundchange', roundAbove),
  },
  {
    name: 'round-timeout',
    description: 'node.dfy UponRoundTimeout: the round timer runs out: next round, ROUND-CHANGE',
    seen: (t) => t.input.kind === 'timer' && broadcasts(t, 'roundchange'),
  },
];
