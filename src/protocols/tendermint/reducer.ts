import type { ClusterConfig, Effect, NodeId, Step, Timer } from '../../core/types.ts';
import { quorum, weakQuorum } from '../../core/quorum.ts';
import type { TendermintMessage } from './messages.ts';
import { valueId } from './messages.ts';
import { type TendermintFlags } from './mutants.ts';
import { type Out, RULES, onTimeoutPrecommit, onTimeoutPrevote, onTimeoutPropose, prevoteOnNewProposal, proposer, startRound } from './rules.ts';
import { type RoundLog, type TendermintState, withRound } from './state.ts';

type TStep = Step<TendermintState, TendermintMessage>;

// Each rule either moves the step/round/height forward or sets a first-time guard, so the
// loop ends; the bound turns a reducer bug into a loud error instead of a hang.
const MAX_RULE_FIRINGS = 10_000;

/** L10: initialise (L1-L9) and StartRound(0). */
export function init(self: NodeId, cfg: ClusterConfig, flags: TendermintFlags): TStep {
  const q = quorum(cfg.n, cfg.f);
  const s: TendermintState = {
    self,
    n: cfg.n,
    // The mutant quorum-too-small counts 2f where 2f+1 is needed (for n = 3f+1: q - 1).
    quorum: flags.quorumTooSmall ? q - 1 : q,
    weakQuorum: weakQuorum(cfg.f),
    flags,
    height: 0,
    round: 0,
    step: 'propose',
    decisions: [],
    lockedValue: null,
    lockedRound: -1,
    validValue: null,
    validRound: -1,
    rounds: [],
    future: new Map(),
  };
  const effects: Effect<TendermintMessage>[] = [];
  const started = startRound(s, 0, effects);
  return progress(started, effects);
}

/** Apply upon-rules until none fires. */
function progress(s: TendermintState, effects: Effect<TendermintMessage>[]): TStep {
  let state = s;
  for (let i = 0; i < MAX_RULE_FIRINGS; i++) {
    let fired: Out | undefined;
    for (const rule of RULES) {
      fired = rule(state);
      if (fired !== undefined) break;
    }
    if (fired === undefined) return { state, effects };
    state = fired.state;
    for (const e of fired.effects) effects.push(e);
  }
  throw new Error(`tendermint node ${s.self}: more than ${MAX_RULE_FIRINGS} rule firings for one input`);
}

function addSender(r: RoundLog, from: NodeId): readonly NodeId[] {
  return r.senders.includes(from) ? r.senders : [...r.senders, from];
}

/** Record a received message in the log. Messages of decided heights are ignored (L53 emptied that log). */
function receive(s: TendermintState, from: NodeId, m: TendermintMessage): TendermintState {
  if (m.height < s.height) return s;
  return withRound(s, m.height, m.round, (r) => {
    switch (m.type) {
      case 'proposal': {
        const senders = addSender(r, from);
        // Only proposer(h, r) may propose (L22, L28, L36, L49 all say "from proposer(h_p, r)").
        const known = r.proposals.some((p) => p.value === m.value && p.validRound === m.validRound);
        if (from !== proposer(m.height, m.round, s.n) || known) {
          return senders === r.senders ? r : { ...r, senders };
        }
        return { ...r, senders, proposals: [...r.proposals, { value: m.value, id: valueId(m.value), validRound: m.validRound }] };
      }
      case 'prevote':
      case 'precommit': {
        const field = m.type === 'prevote' ? 'prevotes' : 'precommits';
        const votes = r[field];
        // Distinct (sender, id) pairs; the mutant keeps every copy, so a duplicate counts twice.
        if (!s.flags.votesPerMessage && votes.some((v) => v.from === from && v.id === m.id)) return r;
        return { ...r, senders: addSender(r, from), [field]: [...votes, { from, id: m.id }] };
      }
    }
  });
}

export function onMessage(s: TendermintState, from: NodeId, m: TendermintMessage): TStep {
  const stored = receive(s, from, m);
  const effects: Effect<TendermintMessage>[] = [];
  let state = stored;
  if (
    s.flags.prevoteAnyStep && m.type === 'proposal' && m.validRound === -1 && state.step !== 'propose' &&
    m.height === state.height && m.round === state.round && from === proposer(m.height, m.round, s.n)
  ) {
    // Mutant: L22 without "while step_p = propose".
    const out = prevoteOnNewProposal(state, m.value);
    state = out.state;
    effects.push(...out.effects);
  }
  if (state === s && effects.length === 0) return { state: s, effects };
  return progress(state, effects);
}

export function onTimer(s: TendermintState, t: Timer): TStep {
  let out: Out | undefined;
  switch (t.name) {
    case 'timeoutPropose':
      out = onTimeoutPropose(s, t.height, t.round);
      break;
    case 'timeoutPrevote':
      out = onTimeoutPrevote(s, t.height, t.round);
      break;
    case 'timeoutPrecommit':
      out = onTimeoutPrecommit(s, t.height, t.round);
      break;
    default:
      throw new Error(`tendermint: unknown timer ${t.name}`);
  }
  if (out === undefined) return { state: s, effects: [] };
  return progress(out.state, out.effects);
}
