import type { ClusterConfig, NodeId, Step, Timer } from '../../core/types.ts';
import type { ChainOptions } from '../ibft/committee.ts';
import type { IbftMessage } from '../ibft/messages.ts';
import type { QbftFlags } from './mutants.ts';
import { FOLLOWER_RULES, type Fx, MEMBER_RULES, ROUND_TIMER, initialState, isMember, startHeight, uponRoundTimeout } from './rules.ts';
import { type QbftState, updated } from './state.ts';

type QStep = Step<QbftState, IbftMessage>;

// Every rule moves the round, the height, or a once-per-round marker; the bound makes a bug loud.
const MAX_RULE_FIRINGS = 10_000;

export function init(self: NodeId, cfg: ClusterConfig, options: ChainOptions, flags: QbftFlags): QStep {
  const base: QbftState = {
    self, n: cfg.n, options, flags, seq: 0, round: 0, ticks: 0, committee: [], quorum: 0, f: 0,
    accepted: null, prepared: null, committedRound: -1, proposedRound: -1, chain: [], log: [],
  };
  const fx: Fx = [];
  return { state: startHeight(initialState(base), fx), effects: fx };
}

/** NodeNext: apply sub-steps until only stuttering is possible. */
function progress(s: QbftState, fx: Fx): QbftState {
  let state = s;
  for (let i = 0; i < MAX_RULE_FIRINGS; i++) {
    let next: QbftState | undefined;
    for (const rule of isMember(state, state.self) ? MEMBER_RULES : FOLLOWER_RULES) {
      next = rule(state, fx);
      if (next !== undefined) break;
    }
    if (next === undefined) return state;
    state = next;
  }
  throw new Error(`qbft node ${s.self}: more than ${MAX_RULE_FIRINGS} rule firings for one input`);
}

export function onMessage(s: QbftState, from: NodeId, m: IbftMessage): QStep {
  if (m.seq < s.seq) return { state: s, effects: [] };
  const fx: Fx = [];
  return { state: progress(updated(s, { log: [...s.log, { from, msg: m }] }), fx), effects: fx };
}

export function onTimer(s: QbftState, t: Timer): QStep {
  if (t.name !== ROUND_TIMER) throw new Error(`qbft: unknown timer ${t.name}`);
  const fx: Fx = [];
  const next = uponRoundTimeout(s, t, fx);
  if (next === undefined) return { state: s, effects: fx };
  return { state: progress(next, fx), effects: fx };
}
