import type { Effect, Transition, TransitionInvariant } from '../../core/types.ts';
import { type Logged, checkedCommittee, checkedQuorum, decisionCarriesSeals, knownMessages, roundsOf, senders } from '../ibft/checks.ts';
import type { IbftMessage } from '../ibft/messages.ts';
import type { QbftState } from './state.ts';

type T = Transition<QbftState, IbftMessage>;
type Inv = TransitionInvariant<QbftState, IbftMessage>;

/*
 * Checked against the node's message log with the counting of ../ibft/checks.ts, never with
 * the rules' helpers (IBFT 2.0 paper, Lemmas 3-5: a decided value is prepared by a quorum, and
 * every later justified proposal carries it).
 */

function sent(effects: readonly Effect<IbftMessage>[]): IbftMessage[] {
  const out: IbftMessage[] = [];
  for (const e of effects) if (e.kind === 'broadcast' || e.kind === 'send') out.push(e.msg);
  return out;
}

interface Context {
  readonly known: Logged[];
  readonly members: Set<number>;
  readonly q: number;
}

/** What a node knew and its committee, for a call that sent something to check (most send nothing that is). */
function context(t: T): Context {
  const b = t.before;
  const members = checkedCommittee(b.n - (b.options.initiallyOutside ?? 0), b.chain);
  return { known: knownMessages(b.log, t.input), members, q: checkedQuorum(members.size, 'ceil2n3') };
}

const commitSound: Inv = {
  name: 'commit-sound',
  description: 'a decided block carries Q valid committed seals from distinct committee members of one round (from the message log)',
  check(t) {
    let known: Logged[] | undefined;
    for (const e of t.effects) {
      if (e.kind !== 'decide') continue;
      known ??= knownMessages(t.before.log, t.input);
      const bad = decisionCarriesSeals(t.node, e.height, e.value, known, t.before.n - (t.before.options.initiallyOutside ?? 0), t.after.chain, 'ceil2n3');
      if (bad !== undefined) return bad;
    }
    return undefined;
  },
};

/** UponPrepare: a COMMIT for (h, r, b) follows Q PREPAREs for it from distinct members. */
const commitBacked: Inv = {
  name: 'commit-backed',
  description: 'a COMMIT for block b in round r follows Q PREPAREs for b in r from distinct committee members',
  check(t) {
    let ctx: Context | undefined;
    for (const m of sent(t.effects)) {
      if (m.type !== 'commit' || m.seq !== t.before.seq) continue;
      ctx ??= context(t);
      const who = senders(ctx.known, ctx.members, (x) => x.type === 'prepare' && x.seq === m.seq && x.round === m.round && x.digest === m.digest);
      if (who.size < ctx.q) return `node ${t.node} sent COMMIT ${m.digest} at h${m.seq} r${m.round} with ${who.size} PREPAREs, needs ${ctx.q}`;
    }
    return undefined;
  },
};

/**
 * A proposal for round r > 0 carries Q round changes of round r that the proposer received,
 * and, if any of them carries a prepared block, the one of the highest prepared round.
 */
const proposalJustified: Inv = {
  name: 'proposal-justified',
  description: 'a round > 0 proposal carries Q received round changes of its round and re-proposes the highest prepared block among them',
  check(t) {
    let ctx: Context | undefined;
    for (const m of sent(t.effects)) {
      if (m.type !== 'preprepare' || m.round === 0 || m.seq !== t.before.seq) continue;
      const c = (ctx ??= context(t));
      const story = `node ${t.node} proposed ${m.block} at h${m.seq} r${m.round}`;
      const real = m.rcs.filter((rc) => c.known.some((k) => k.from === rc.from && k.msg.type === 'roundchange' && k.msg.seq === m.seq &&
        k.msg.round === rc.round && rc.round === m.round && JSON.stringify(k.msg.prepared) === JSON.stringify(rc.prepared)));
      const distinct = new Set(real.map((rc) => rc.from).filter((x) => c.members.has(x)));
      if (distinct.size < c.q) return `${story} with ${distinct.size} received round changes of that round, needs ${c.q}`;
      let top = -1;
      let topBlock: string | undefined;
      for (const rc of real) if (rc.prepared !== null && rc.prepared.round > top) { top = rc.prepared.round; topBlock = rc.prepared.block; }
      if (topBlock !== undefined && m.block !== topBlock) return `${story}, but its round changes carry ${topBlock} prepared at r${top}`;
    }
    return undefined;
  },
};

/**
 * Did `node` prepare a block in round r of height h? Read from its log in arrival order: its
 * own PREPARE of b in r, then Q PREPAREs of b in r, all before its first own message of a
 * later round (every way out of a round sends one: ROUND-CHANGE, PREPARE or PROPOSAL).
 */
function preparedIn(known: readonly Logged[], members: Set<number>, q: number, node: number, h: number, r: number): string | undefined {
  let block: string | undefined;
  const who = new Set<number>();
  for (const { from, msg } of known) {
    if (msg.seq !== h) continue;
    if (from === node && msg.round > r) return undefined;
    if (msg.type !== 'prepare' || msg.round !== r) continue;
    if (from === node && block === undefined) block = msg.digest;
    if (block !== undefined && msg.digest === block && members.has(from)) who.add(from);
    if (block !== undefined && who.size >= q) return block;
  }
  return undefined;
}

/** A ROUND-CHANGE carries the node's latest prepared block, if it has one (createRoundChange). */
const roundChangeCarriesPrepared: Inv = {
  name: 'round-change-carries-prepared',
  description: 'a ROUND-CHANGE carries the latest round in which the node prepared a block (its PREPARE, then Q PREPAREs for it, before it left the round), if any',
  check(t) {
    let ctx: Context | undefined;
    for (const m of sent(t.effects)) {
      if (m.type !== 'roundchange' || m.seq !== t.before.seq) continue;
      ctx ??= context(t);
      let latest = -1;
      let block: string | undefined;
      for (const r of roundsOf(ctx.known, m.seq)) {
        if (r >= m.round) continue;
        const b = preparedIn(ctx.known, ctx.members, ctx.q, t.node, m.seq, r);
        if (b !== undefined) { latest = r; block = b; }
      }
      const carried = m.prepared;
      if (block === undefined) continue;
      if (carried === null || carried.round < latest) {
        return `node ${t.node} sent ROUND-CHANGE h${m.seq} r${m.round} carrying ${carried === null ? 'no prepared block' : `${carried.block}@r${carried.round}`}, but it prepared ${block} at r${latest}`;
      }
    }
    return undefined;
  },
};

export const QBFT_INVARIANTS: readonly Inv[] = [commitSound, commitBacked, proposalJustified, roundChangeCarriesPrepared];
