import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { runActions, runTape } from '../src/check/execute.ts';
import { clusterConfig } from '../src/core/config.ts';
import type { Action } from '../src/sim/actions.ts';
import type { Protocol } from '../src/core/types.ts';
import { blockWork, encodeCompact } from '../src/protocols/pow/arith.ts';
import { POW_MUTANT_LIST, POW_PARAMS, type PowMessage, type PowState, pow } from '../src/protocols/pow/index.ts';
import { type Block, makeBlock } from '../src/protocols/pow/messages.ts';
import { GENESIS_TIME, VERSION_BASE, blockVersion } from '../src/protocols/pow/params.ts';
import { MAX_ORPHANS } from '../src/protocols/pow/rules.ts';

const cfg = clusterConfig(4);
type P = Protocol<PowState, PowMessage>;

/** A node finds a block and handles its own copy at once, as the simulator does. */
function mine(protocol: P, s: PowState, event: string): { state: PowState; block: Block } {
  const found = protocol.onEvent!(s, event);
  // Besides its write to disk (crash-recovery, pow/durable.ts): one broadcast.
  const sent = found.effects.filter((x) => x.kind !== 'persist');
  expect(sent).toHaveLength(1);
  const e = sent[0]!;
  if (e.kind !== 'broadcast') throw new Error('mining must broadcast');
  return { state: protocol.onMessage(found.state, s.self, e.msg).state, block: e.msg.block };
}

function receive(protocol: P, s: PowState, ...blocks: Block[]): PowState {
  for (const block of blocks) s = protocol.onMessage(s, 9, { type: 'block', block }).state;
  return s;
}

const head = (s: PowState) => s.blocks.get(s.head)!.block;

describe('pow reducer', () => {
  const protocol = pow();

  it('every node starts from one hard-coded genesis whose nBits encode powLimit', () => {
    const a = protocol.init(0, cfg).state;
    const b = protocol.init(3, cfg).state;
    expect(a.genesis).toBe(b.genesis);
    const g = head(a);
    expect(g.bits).toBe(0x1f00ffff);
    expect(g.time).toBe(GENESIS_TIME);
    expect(g.id).toBe(bytesToHex(sha256(utf8ToBytes(`${'0'.repeat(64)}|0|${GENESIS_TIME}|${0x1f00ffff}|1|-1|0`))));
    expect(protocol.view(a)).toEqual({ height: 0, round: 0, step: g.id.slice(0, 8), lock: '-' });
  });

  it('offers mine:<k> and mine:<k>:signal for each timestamp offset', () => {
    const s = protocol.init(0, cfg).state;
    expect(protocol.events!(s, cfg)).toEqual(['mine:1', 'mine:1:signal', 'mine:60', 'mine:60:signal', 'mine:600', 'mine:600:signal']);
    const weighted = pow(undefined, { shares: [2, 0, 1, 1] });
    expect(weighted.events!(weighted.init(0, cfg).state, cfg)).toHaveLength(12);
    expect(weighted.events!(weighted.init(1, cfg).state, cfg)).toEqual([]);
    expect(() => protocol.onEvent!(s, 'mine:2')).toThrow(/unknown event/);
  });

  it('a mined block extends the head: time = parent + k, version signals on request, nonce counts', () => {
    let s = protocol.init(1, cfg).state;
    const first = mine(protocol, s, 'mine:60:signal');
    s = first.state;
    expect(first.block).toMatchObject({ height: 1, time: GENESIS_TIME + 60, bits: 0x1f00ffff, version: blockVersion(true), miner: 1, nonce: 0 });
    expect(s.head).toBe(first.block.id);
    const second = mine(protocol, s, 'mine:1');
    expect(second.block).toMatchObject({ parent: first.block.id, height: 2, time: GENESIS_TIME + 61, version: VERSION_BASE, nonce: 1 });
    expect(second.state.mined).toBe(2);
  });

  it('retargets at height 2 from the one measured interval: clamps, caps at powLimit, encodes with the sign fix', () => {
    const bitsAfter = (event: string) => {
      const s = mine(protocol, protocol.init(0, cfg).state, event).state;
      return mine(protocol, s, 'mine:1').block.bits;
    };
    expect(bitsAfter('mine:1')).toBe(0x1e3fffc0); // 1 s < T/4 = 30 s: clamped, target / 4
    expect(bitsAfter('mine:60')).toBe(0x1e7fff80); // 60 s of 120 s: target / 2
    expect(bitsAfter('mine:600')).toBe(0x1f00ffff); // 600 s > 4T: x4, capped at powLimit = 2^240 - 1
    expect(encodeCompact(POW_PARAMS.powLimit, false, { signFix: false })).toBe(0x1effffff); // what the mutant would say
  });

  it('follows the most work, not the most blocks', () => {
    const g = protocol.init(0, cfg).state;
    // Chain A: a 1 s block, then a block at a quarter of the target: 1 + 4 units of work.
    const a1 = mine(protocol, g, 'mine:1');
    const a2 = mine(protocol, a1.state, 'mine:1');
    // Chain B: three blocks at powLimit: 3 units, one block higher.
    const b1 = mine(protocol, protocol.init(1, cfg).state, 'mine:600');
    const b2 = mine(protocol, b1.state, 'mine:600');
    const b3 = mine(protocol, b2.state, 'mine:600');
    const unit = blockWork(b3.block.bits);
    expect(blockWork(a1.block.bits) + blockWork(a2.block.bits)).toBeGreaterThan(3n * unit);
    for (const order of [[a1, a2, b1, b2, b3], [b1, b2, b3, a1, a2], [a2, b3, b2, a1, b1]]) {
      const s = receive(protocol, protocol.init(2, cfg).state, ...order.map((x) => x.block));
      expect(s.head).toBe(a2.block.id);
    }
    const byHeight = receive(pow('fork-choice-by-height'), protocol.init(2, cfg).state, a1.block, a2.block, b1.block, b2.block, b3.block);
    expect(byHeight.head).toBe(b3.block.id);
  });

  it('keeps the first seen of two tips with equal work; the latest-arrival mutant does not', () => {
    const x = mine(protocol, protocol.init(0, cfg).state, 'mine:60').block;
    const y = mine(protocol, protocol.init(1, cfg).state, 'mine:600').block;
    expect(receive(protocol, protocol.init(2, cfg).state, x, y).head).toBe(x.id);
    expect(receive(protocol, protocol.init(2, cfg).state, y, x).head).toBe(y.id);
    expect(receive(pow('ties-latest-arrival'), protocol.init(2, cfg).state, x, y).head).toBe(y.id);
  });

  it('holds a block with an unknown parent as an orphan and connects it when the parent arrives', () => {
    const b1 = mine(protocol, protocol.init(0, cfg).state, 'mine:60');
    const b2 = mine(protocol, b1.state, 'mine:60');
    const b3 = mine(protocol, b2.state, 'mine:60');
    let s = receive(protocol, protocol.init(1, cfg).state, b3.block, b2.block);
    expect(s.orphans.map((o) => o.id)).toEqual([b3.block.id, b2.block.id]);
    expect(head(s).height).toBe(0);
    s = receive(protocol, s, b1.block);
    expect(s.orphans).toEqual([]);
    expect(s.head).toBe(b3.block.id);
    // Connection order is the first-seen record: parent first, then the orphans breadth first.
    expect([b1, b2, b3].map((b) => s.blocks.get(b.block.id)!.seq)).toEqual([1, 2, 3]);
  });

  it('rejects wrong bits, a wrong height, and every descendant of an invalid block', () => {
    const g = protocol.init(0, cfg).state;
    const good = mine(protocol, g, 'mine:60').block;
    const greedy = makeBlock({ ...good, bits: 0x1e7fff80, nonce: 7 });
    const tall = makeBlock({ ...good, height: 2, nonce: 8 });
    const child = makeBlock({ parent: greedy.id, height: 2, time: greedy.time + 60, bits: 0x1e3fffc0, version: VERSION_BASE, miner: 0, nonce: 9 });
    const grandchild = makeBlock({ parent: child.id, height: 3, time: child.time + 60, bits: 0x1e3fffc0, version: VERSION_BASE, miner: 0, nonce: 10 });
    const s = receive(protocol, protocol.init(1, cfg).state, grandchild, greedy, tall, child, good);
    expect([...s.invalid].sort()).toEqual([greedy.id, tall.id, child.id, grandchild.id].sort());
    expect(s.orphans).toEqual([]);
    expect(s.head).toBe(good.id);
    // Seen again: ignored, the very same state comes back.
    expect(receive(protocol, s, greedy)).toBe(s);
  });

  it('ignores a header whose id is not its hash, without blacklisting the id', () => {
    const real = mine(protocol, protocol.init(0, cfg).state, 'mine:60').block;
    const forged: Block = { ...real, time: real.time + 1 };
    const s0 = protocol.init(1, cfg).state;
    const s1 = receive(protocol, s0, forged);
    expect(s1).toBe(s0);
    expect(receive(protocol, s1, real).head).toBe(real.id);
  });

  it('bounds the orphan pool, evicting the oldest', () => {
    let s = protocol.init(0, cfg).state;
    const orphan = (i: number) => makeBlock({ parent: 'f'.repeat(64), height: 5, time: i, bits: 0x1f00ffff, version: VERSION_BASE, miner: 1, nonce: i });
    for (let i = 0; i <= MAX_ORPHANS; i++) s = receive(protocol, s, orphan(i));
    expect(s.orphans).toHaveLength(MAX_ORPHANS);
    expect(s.orphans[0]!.nonce).toBe(1);
  });

  it('has no timers, no votes and no decisions', () => {
    expect(protocol.decides).toBe(false);
    expect(protocol.voteSlot(0, { type: 'block', block: head(protocol.init(0, cfg).state) })).toBeUndefined();
    // No timers: a stray one is ignored (the contract's default), not a crash.
    const s0 = protocol.init(0, cfg).state;
    expect(protocol.onTimer(s0, { name: 't', height: 0, round: 0 })).toEqual({ state: s0, effects: [] });
    expect(protocol.invariants.map((i) => i.name)).toEqual(['block-bits', 'head-max-chainwork', 'head-first-seen', 'chainwork-monotonic', 'bip9-state', 'chainwork-recorded']);
    expect(protocol.finalInvariants!.map((i) => i.name)).toEqual(['convergence', 'bip9-agreement']);
    expect(POW_MUTANT_LIST.map((m) => m.name)).toEqual(['fork-choice-by-height', 'ties-latest-arrival', 'retarget-no-clamp', 'retarget-no-powlimit-cap', 'compact-no-sign-fix', 'block-work-no-plus-one', 'retarget-full-interval', 'retarget-parent-height', 'no-orphan-pool']);
  });

  it('describes blocks and keys them by id', () => {
    const b = mine(protocol, protocol.init(2, cfg).state, 'mine:600:signal').block;
    const m: PowMessage = { type: 'block', block: b };
    expect(protocol.describe(m)).toBe(`BLOCK h1 ${b.id.slice(0, 8)}<-${b.parent.slice(0, 8)} bits=1f00ffff t=${GENESIS_TIME + 600} v=20000002 by 2`);
    expect(protocol.messageKey(m)).toBe(`B/${b.id}`);
    expect(protocol.isValidValue(b.id)).toBe(true);
    expect(protocol.isValidValue('h0r0p1')).toBe(false);
  });

  it('validates fixture messages, naming the field', () => {
    const b = mine(protocol, protocol.init(0, cfg).state, 'mine:1').block;
    const v = protocol.validateMessage!;
    expect(v({ type: 'block', block: b })).toBeUndefined();
    expect(v(null)).toMatch(/^expected a message object/);
    expect(v({ type: 'prevote' })).toMatch(/^type: /);
    expect(v({ type: 'block' })).toMatch(/^block: /);
    expect(v({ type: 'block', block: { ...b, id: 'xyz' } })).toMatch(/^block\.id: /);
    expect(v({ type: 'block', block: { ...b, parent: 7 } })).toMatch(/^block\.parent: /);
    expect(v({ type: 'block', block: { ...b, height: -1 } })).toMatch(/^block\.height: /);
    expect(v({ type: 'block', block: { ...b, time: 1.5 } })).toMatch(/^block\.time: /);
    expect(v({ type: 'block', block: { ...b, bits: 2 ** 32 } })).toMatch(/^block\.bits: /);
    expect(v({ type: 'block', block: { ...b, version: -1 } })).toMatch(/^block\.version: /);
    expect(v({ type: 'block', block: { ...b, miner: 'x' } })).toMatch(/^block\.miner: /);
    expect(v({ type: 'block', block: { ...b, nonce: null } })).toMatch(/^block\.nonce: /);
  });
});

describe('pow in the simulator', () => {
  it('a Byzantine miner may announce valid private blocks and greedy ones; correct nodes take the first, reject the second', () => {
    const protocol = pow();
    const byz = clusterConfig(4, { byzantine: [3], faults: { drops: 0, duplicates: 0, crashes: 0, partitions: 0, injections: 4 } });
    const s = protocol.init(0, byz).state;
    const offers = protocol.byzantineMessages!({ cfg: byz, self: 3, states: [s, s, s, s], seen: [] });
    // On genesis: 3 offsets x (valid, greedy), plus one block on an unknown parent.
    expect(offers).toHaveLength(7);
    const [valid, greedy] = offers;
    const after = receive(protocol, s, valid!.block, greedy!.block, offers[6]!.block);
    expect(after.head).toBe(valid!.block.id);
    expect(after.invalid.has(greedy!.block.id)).toBe(true);
    expect(after.orphans.map((o) => o.id)).toEqual([offers[6]!.block.id]);
  });

  it('with no adversary and one miner, every node ends on the miner\'s chain', () => {
    const protocol = pow();
    const c = clusterConfig(4);
    const actions: Action<PowMessage>[] = [
      { kind: 'event', node: 2, event: 'mine:60' },
      { kind: 'event', node: 2, event: 'mine:1:signal' },
      { kind: 'event', node: 2, event: 'mine:600' },
      { kind: 'gst' },
      ...Array.from({ length: 9 }, (_x, id): Action<PowMessage> => ({ kind: 'deliver', id })),
    ];
    const r = runActions(protocol, c, actions);
    expect(r.violation).toBeUndefined();
    expect(new Set(r.world.states.map((s) => s.head)).size).toBe(1);
    expect(r.world.states.every((s) => head(s).height === 3)).toBe(true);
  });

  it('the empty tape is a quiet network: GST at once, nothing mined, every invariant holds', () => {
    const r = runTape(pow(), clusterConfig(7), []);
    expect(r.violation).toBeUndefined();
    expect(r.actions).toEqual([{ kind: 'gst' }]);
  });

  it('the convergence invariant rejects different heads and different block sets', () => {
    const protocol = pow();
    const [convergence] = protocol.finalInvariants!;
    const a = mine(protocol, protocol.init(0, cfg).state, 'mine:60');
    const b = mine(protocol, protocol.init(1, cfg).state, 'mine:1');
    const both0 = receive(protocol, a.state, b.block);
    const both1 = receive(protocol, b.state, a.block);
    // Equal work, each saw its own first: a tie, allowed.
    expect(convergence!.check([both0, both1], cfg)).toBeUndefined();
    expect(convergence!.check([a.state, both1], cfg)).toMatch(/node 1 holds 3 blocks, node 0 2/);
    const longer = mine(protocol, both1, 'mine:60');
    expect(convergence!.check([receive(protocol, both0, longer.block), longer.state], cfg)).toBeUndefined();
    const ahead = receive(protocol, both0, longer.block);
    const behind = { ...longer.state, head: a.block.id };
    expect(convergence!.check([ahead, behind], cfg)).toMatch(/chainwork/);
  });
});
