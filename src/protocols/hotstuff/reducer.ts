import type { ClusterConfig, NodeId, Step, Timer } from '../../core/types.ts';
import { quorum, weakQuorum } from '../../core/quorum.ts';
import { GENESIS, GENESIS_ID, GENESIS_QC, type HotStuffMessage } from './messages.ts';
import type { HotStuffFlags } from './mutants.ts';
import { type Fx, VIEW_TIMER, enterView, localTimeout, onProposal, onTimeout, onVote } from './rules.ts';
import type { HotStuffState } from './state.ts';

type HStep = Step<HotStuffState, HotStuffMessage>;

/** The state before view 1: genesis only, locked on and certified by convention. */
export function initialState(self: NodeId, cfg: ClusterConfig, flags: HotStuffFlags): HotStuffState {
  return {
    self,
    n: cfg.n,
    quorum: quorum(cfg.n, cfg.f),
    weakQuorum: weakQuorum(cfg.f),
    flags,
    view: 0,
    lastVotedView: 0,
    vheight: 0,
    leaf: GENESIS_ID,
    leafHeight: 0,
    timedOutView: 0,
    highQC: GENESIS_QC,
    highTC: null,
    lockedBlock: GENESIS_ID,
    lockedView: 0,
    committed: [],
    blocks: new Map([[GENESIS_ID, { block: GENESIS, height: 0 }]]),
    pendingProposals: [],
    pendingQCs: [],
    votes: new Map(),
    timeouts: new Map(),
    timeoutQCs: new Map(),
  };
}

/** Start in view 1 (its leader proposes on the genesis QC). */
export function init(self: NodeId, cfg: ClusterConfig, flags: HotStuffFlags): HStep {
  const effects: Fx = [];
  const state = enterView(initialState(self, cfg, flags), 1, effects);
  return { state, effects };
}

export function onMessage(s: HotStuffState, from: NodeId, m: HotStuffMessage): HStep {
  const effects: Fx = [];
  let state: HotStuffState;
  switch (m.type) {
    case 'proposal':
      state = onProposal(s, from, m, effects);
      break;
    case 'vote':
      state = onVote(s, from, m, effects);
      break;
    case 'timeout':
      state = onTimeout(s, from, m, effects);
      break;
  }
  return { state, effects };
}

/** The view timer: a stale one (a view already left) does nothing. */
export function onTimer(s: HotStuffState, t: Timer): HStep {
  if (t.name !== VIEW_TIMER) throw new Error(`hotstuff: unknown timer ${t.name}`);
  const effects: Fx = [];
  if (t.round !== s.view) return { state: s, effects };
  return { state: localTimeout(s, effects), effects };
}
