/**
 * The Tendermint invariants added for issue 7 (certificates, validRound, the fixpoints of
 * L49 and L55) can fail, and L49 decides on a certificate of ANY round of the height.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE } from '../src/adversary/arbitraries.ts';
import { fuzzCampaign } from '../src/search/random.ts';
import { execute } from '../src/check/execute.ts';
import { clusterConfig } from '../src/core/config.ts';
import type { Action } from '../src/sim/actions.ts';
import type { World } from '../src/sim/world.ts';
import { type TendermintMessage, type TendermintMutant, type TendermintState, tendermint } from '../src/protocols/tendermint/index.ts';
import { valueId } from '../src/protocols/tendermint/messages.ts';
import { certificateSize } from '../src/protocols/tendermint/invariants.ts';
import { maxFaulty, quorum } from '../src/core/quorum.ts';

type W = World<TendermintState, TendermintMessage>;
type Move = (w: W) => Action<TendermintMessage>;

/** Deliver the oldest height-0 message of `type` and `round` from `from` to `to`. */
function deliver(from: number, to: number, type: TendermintMessage['type'], round: number): Move {
  return (w) => {
    const e = w.inFlight.find((x) => x.from === from && x.to === to && x.msg.type === type && x.msg.round === round && x.msg.height === 0);
    if (e === undefined) throw new Error(`script: no ${type} of round ${round} from ${from} to ${to} in flight`);
    return { kind: 'deliver', id: e.id };
  };
}

function fire(node: number, name: string, round: number): Move {
  return (w) => {
    const t = w.timers.find((x) => x.node === node && x.timer.name === name && x.timer.round === round && x.timer.height === 0);
    if (t === undefined) throw new Error(`script: node ${node} has no ${name} of round ${round}`);
    return { kind: 'fire', node, timer: t.timer };
  };
}

/*
 * n = 4 (f = 1, 2f+1 = 3), no faults. Round 0: node 0 proposes v; nodes 0, 1, 2 prevote
 * and precommit v; node 3 (X) never gets the proposal in time: it prevotes and precommits
 * nil on its timeouts. Nodes 0 and 1 see only two precommits for v (plus X's nil), so
 * they time out of round 0 undecided; node 2's precommit is late everywhere. X then
 * leaves round 0 and only afterwards holds the proposal and the three precommits of
 * round 0: L49 (no round condition) must decide v right then.
 */
const ROUND0: Move[] = [
  deliver(0, 1, 'proposal', 0), deliver(0, 2, 'proposal', 0), // nodes 1, 2 prevote v
  fire(3, 'timeoutPropose', 0), // X prevotes nil
  deliver(1, 0, 'prevote', 0), deliver(2, 0, 'prevote', 0), // node 0: polka, precommits v
  deliver(0, 1, 'prevote', 0), deliver(2, 1, 'prevote', 0), // node 1 too
  deliver(0, 2, 'prevote', 0), deliver(1, 2, 'prevote', 0), // node 2 too
  deliver(0, 3, 'prevote', 0), deliver(1, 3, 'prevote', 0), // X: 3 prevotes of any kind (L34)
  fire(3, 'timeoutPrevote', 0), // X precommits nil
];

/** X moves to round 1 by L55: the round-1 proposal of node 1 and node 0's prevote are f+1 senders. */
const MOVED_BY_L55: Move[] = [
  ...ROUND0,
  deliver(1, 0, 'precommit', 0), deliver(3, 0, 'precommit', 0), fire(0, 'timeoutPrecommit', 0), // node 0 to round 1
  deliver(0, 1, 'precommit', 0), deliver(3, 1, 'precommit', 0), fire(1, 'timeoutPrecommit', 0), // node 1 to round 1, re-proposes v (vr = 0)
  deliver(1, 0, 'proposal', 1), // node 0 prevotes v in round 1 (L28)
  deliver(1, 3, 'proposal', 1), deliver(0, 3, 'prevote', 1), // X: two senders in round 1, L55
];

const SCHEDULES: Record<string, Move[]> = {
  'L55 moved X; the last precommit completes the certificate': [
    ...MOVED_BY_L55,
    deliver(0, 3, 'precommit', 0), deliver(1, 3, 'precommit', 0), deliver(0, 3, 'proposal', 0), deliver(2, 3, 'precommit', 0),
  ],
  'L55 moved X; the late proposal completes the certificate': [
    ...MOVED_BY_L55,
    deliver(0, 3, 'precommit', 0), deliver(1, 3, 'precommit', 0), deliver(2, 3, 'precommit', 0), deliver(0, 3, 'proposal', 0),
  ],
  'timeoutPrecommit moved X; the last precommit completes the certificate': [
    ...ROUND0,
    deliver(0, 3, 'precommit', 0), deliver(1, 3, 'precommit', 0), fire(3, 'timeoutPrecommit', 0), // X to round 1 (L47, L65)
    deliver(0, 3, 'proposal', 0), deliver(2, 3, 'precommit', 0),
  ],
};

const X = 3;

/**
 * Run a schedule and watch X: after every step, from the messages X has received (the
 * transitions' inputs, not its log), find a round whose proposal has 2f+1 distinct
 * precommits for it. Reports the first step where X holds one, the round X was in just
 * before, and whether X had decided height 0 after that step.
 */
function watchX(mutant: TendermintMutant | undefined, moves: readonly Move[], withInvariants: boolean) {
  const base = tendermint(mutant);
  const protocol = withInvariants ? base : { ...base, invariants: [] };
  const cfg = clusterConfig(4);
  const proposals = new Map<number, string[]>();
  const precommits = new Map<string, Set<number>>();
  let roundBefore = 0;
  let found: { step: number; round: number; xRound: number; decided: boolean } | undefined;
  const result = execute(protocol, cfg, (w, i) => {
    roundBefore = w.states[X]!.round;
    return i < moves.length ? moves[i]!(w) : undefined;
  }, {
    observe: (index, _a, w, record) => {
      for (const t of record.transitions) {
        if (t.node !== X || t.input.kind !== 'message' || t.input.msg.height !== 0) continue;
        const { from, msg } = t.input;
        if (msg.type === 'proposal' && from === msg.round % 4) proposals.set(msg.round, [...(proposals.get(msg.round) ?? []), msg.value]);
        if (msg.type === 'precommit' && msg.id !== null) {
          const key = `${msg.round}/${msg.id}`;
          precommits.set(key, (precommits.get(key) ?? new Set()).add(from));
        }
      }
      if (found !== undefined) return;
      for (const [round, values] of proposals) {
        if (values.some((v) => (precommits.get(`${round}/${valueId(v)}`)?.size ?? 0) >= 3)) {
          found = { step: index, round, xRound: roundBefore, decided: w.decisions[X]![0] !== undefined };
        }
      }
    },
  });
  return { found, violation: result.violation, steps: result.actions.length };
}

describe('L49 decides on a certificate of any round of the height (targeted property)', () => {
  for (const [name, moves] of Object.entries(SCHEDULES)) {
    it(`correct protocol: ${name}`, () => {
      const run = watchX(undefined, moves, true);
      expect(run.violation).toBeUndefined();
      expect(run.steps).toBe(moves.length);
      // The schedule reaches the case: X holds the certificate of round 0 while in a later round...
      expect(run.found).toBeDefined();
      expect(run.found!.round).toBe(0);
      expect(run.found!.xRound).toBeGreaterThan(0);
      // ...and decides in that very step.
      expect(run.found!.decided).toBe(true);
    });

    it(`mutant decide-current-round-only fails it: ${name}`, () => {
      const bare = watchX('decide-current-round-only', moves, false);
      expect(bare.found).toBeDefined();
      expect(bare.found!.xRound).toBeGreaterThan(0);
      expect(bare.found!.decided).toBe(false);
      // The per-step invariant says so at the same step.
      const checked = watchX('decide-current-round-only', moves, true);
      expect(checked.violation?.invariant).toBe('decides-on-certificate');
      expect(checked.violation?.step).toBe(bare.found!.step);
    });
  }
});

/**
 * Each new invariant, alone among the Tendermint ones (the generic invariants still run),
 * kills a mutant that breaks the rule it checks, in a real campaign. Budgets are >= 5x the
 * median and >= 2x the worst runs-to-kill on seeds alone, alone-1 .. alone-7 (fuzzCampaign
 * of the mutant with only that invariant, uniform delivery, DEFAULT_SHAPE); figures on each line.
 */
const ALONE: [invariant: string, mutant: TendermintMutant, budget: number][] = [
  ['prevote-backed', 'pol-unchecked', 400], // 72 21 34 77 68 8 11 43: median 39, worst 77
  ['nil-precommit-backed', 'quorum-too-small', 50], // 1 on every seed
  ['timeout-backed', 'quorum-too-small', 50], // 1 on every seed (with votes-per-message one seed fails termination first)
  ['decision-backed', 'quorum-too-small', 50], // 1 on every seed
  ['valid-round-latest', 'valid-only-when-locking', 100], // 5 4 8 4 7 21 10 4: median 6, worst 21
  ['decides-on-certificate', 'decide-current-round-only', 1200], // 280 121 542 37 48 190 364 151: median 171, worst 542
  ['round-skip-taken', 'skip-needs-quorum', 50], // 1 on every seed
];

describe('each new Tendermint invariant can fail: alone, it kills the mutant of its rule', () => {
  for (const [invariant, mutant, budget] of ALONE) {
    it(`${invariant} kills ${mutant}`, () => {
      const full = tendermint(mutant);
      const only = { ...full, invariants: full.invariants.filter((x) => x.name === invariant) };
      expect(only.invariants).toHaveLength(1);
      const out = fuzzCampaign(only, { seed: 'alone', start: 0, end: budget, shrink: false, shape: DEFAULT_SHAPE });
      expect(out.failure?.result.violation?.invariant).toBe(invariant);
    });
  }
});

describe('the invariants\' certificate size, written apart from core/quorum.ts', () => {
  it('is the smallest size any two of which share a correct node, and agrees with the reducer\'s quorum', () => {
    for (let n = 1; n <= 40; n++) {
      for (let f = 0; f <= maxFaulty(n); f++) {
        const q = certificateSize({ n, f });
        expect(2 * q - n, `n=${n} f=${f}`).toBeGreaterThan(f);
        expect(2 * (q - 1) - n, `n=${n} f=${f}`).toBeLessThanOrEqual(f);
        expect(q, `n=${n} f=${f}`).toBe(quorum(n, f));
        if (n === 3 * f + 1) expect(q).toBe(2 * f + 1);
      }
    }
  });
});
