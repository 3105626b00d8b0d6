import type { ClusterConfig, NodeId, Step, Timer } from '../../core/types.ts';
import type { IbftMessage } from './messages.ts';
import type { IbftFlags } from './mutants.ts';
import {
  type Fx, ROUND_CHANGE_TIMER, checkMessage, handleCommit, handleOldPreprepare, handlePrepare, handlePreprepare, handleRoundChange, handleTimeout,
  initialState, isMember, keepFuture, proposeAtRoundZero, syncFromSeals,
} from './rules.ts';
import { type IbftOptions, type IbftState, type Received, updated } from './state.ts';

type IStep = Step<IbftState, IbftMessage>;

// Each handled message leaves the backlog or moves the view; the bound turns a reducer bug into a loud error.
const MAX_SETTLE = 10_000;

export function init(self: NodeId, cfg: ClusterConfig, options: IbftOptions, flags: IbftFlags): IStep {
  const base: IbftState = {
    self,
    n: cfg.n,
    options,
    flags,
    seq: 0,
    round: 0,
    phase: 'AcceptRequest',
    waiting: false,
    ticks: 0,
    committee: [],
    quorum: 0,
    f: 0,
    proposer: 0,
    preprepare: null,
    locked: null,
    prepares: [],
    commits: [],
    roundChanges: [],
    heardCommits: [],
    backlog: [],
    chain: [],
    log: [],
  };
  const s = initialState(base);
  const fx: Fx = [];
  proposeAtRoundZero(s, fx);
  return { state: s, effects: fx };
}

/** handler.go handleCheckedMsg: dispatch one message of this sequence by type, through checkMessage. */
function dispatch(s: IbftState, from: NodeId, m: IbftMessage, fx: Fx): IbftState {
  if (!isMember(s, s.self)) return s; // not in the committee: follow the chain by sync only
  if (m.seq > s.seq) return keepFuture(s, m.seq) ? updated(s, { backlog: [...s.backlog, { from, msg: m }] }) : s;
  if (m.seq < s.seq) return m.type === 'preprepare' ? handleOldPreprepare(s, from, m, fx) : s;
  if (!isMember(s, from)) return s; // errNotFromCommittee
  const check = checkMessage(s, m.type, m.seq, m.round);
  if (check === 'old') return s;
  if (check === 'future') return updated(s, { backlog: [...s.backlog, { from, msg: m }] });
  switch (m.type) {
    case 'preprepare':
      return handlePreprepare(s, from, m.block, fx);
    case 'prepare':
      return handlePrepare(s, from, m.digest, fx);
    case 'commit':
      return handleCommit(s, from, m.digest, m.seal, fx);
    case 'roundchange':
      return handleRoundChange(s, from, m.round, fx);
  }
}

/** backlog.go toPriority: lower sequence and round first; PREPREPARE before COMMIT before PREPARE. */
const TYPE_PRIORITY: Readonly<Record<IbftMessage['type'], number>> = { roundchange: 0, preprepare: 1, commit: 2, prepare: 3 };

function priority(r: Received): number {
  return r.msg.type === 'roundchange' ? r.msg.seq * 1000 : r.msg.seq * 1000 + r.msg.round * 10 + TYPE_PRIORITY[r.msg.type];
}

/**
 * backlog.go processBacklog: the first backlogged message that is no longer a future one is
 * handled (or dropped if old). Undefined when none is ready.
 */
function processBacklogOnce(s: IbftState, fx: Fx): IbftState | undefined {
  if (s.backlog.length === 0) return undefined;
  const order = s.backlog.map((r, i) => ({ r, i })).sort((a, b) => priority(a.r) - priority(b.r) || a.i - b.i);
  for (const { r, i } of order) {
    const m = r.msg;
    const check = m.seq > s.seq ? 'future' : m.seq < s.seq ? 'old' : checkMessage(s, m.type, m.seq, m.round);
    if (check === 'future') continue;
    const rest = updated(s, { backlog: s.backlog.filter((_x, j) => j !== i) });
    return check === 'old' ? rest : dispatch(rest, r.from, m, fx);
  }
  return undefined;
}

/** After an event: import any block that has its seals (sync), and replay the backlog, until nothing moves. */
function settle(s: IbftState, fx: Fx): IbftState {
  let state = s;
  for (let i = 0; i < MAX_SETTLE; i++) {
    const next = syncFromSeals(state, fx) ?? processBacklogOnce(state, fx);
    if (next === undefined) return state;
    state = next;
  }
  throw new Error(`ibft node ${s.self}: more than ${MAX_SETTLE} backlog steps for one input`);
}

/** Record what arrived (the raw log for the invariants, and the commits heard for sync). */
function receive(s: IbftState, from: NodeId, m: IbftMessage): IbftState {
  if (m.seq < s.seq) return s;
  const log = [...s.log, { from, msg: m }];
  if (m.type !== 'commit') return updated(s, { log });
  for (const c of s.heardCommits) {
    if (c.seq === m.seq && c.round === m.round && c.digest === m.digest && c.from === from && c.seal === m.seal) return updated(s, { log });
  }
  return updated(s, { log, heardCommits: [...s.heardCommits, { seq: m.seq, round: m.round, digest: m.digest, from, seal: m.seal }] });
}

export function onMessage(s: IbftState, from: NodeId, m: IbftMessage): IStep {
  const fx: Fx = [];
  const stored = receive(s, from, m);
  const handled = dispatch(stored, from, m, fx);
  return { state: settle(handled, fx), effects: fx };
}

export function onTimer(s: IbftState, t: Timer): IStep {
  if (t.name !== ROUND_CHANGE_TIMER) throw new Error(`ibft: unknown timer ${t.name}`);
  const fx: Fx = [];
  const next = handleTimeout(s, t, fx);
  if (next === s && fx.length === 0) return { state: s, effects: fx };
  return { state: settle(next, fx), effects: fx };
}
