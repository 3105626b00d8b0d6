/**
 * Which rules of a Bitcoin node's block handling a run reached, as `sometimes` properties
 * (the way tendermint/coverage.ts does it for Algorithm 1): a campaign reports how many runs
 * reached each and names every rule no run reached.
 *
 * Each rule is recognised from the outside of one reducer call: the block it received, the
 * blocks connected (the received one and orphans that were waiting on it), the head before and
 * after, and the header fields (heights, timestamps, nBits, BIP9 state) of the blocks in the
 * tree; never by calling rules.ts or arith.ts. The rules are Bitcoin Core's, cited per rule:
 * src/pow.cpp GetNextWorkRequired / CalculateNextWorkRequired, src/validation.cpp
 * (CBlockIndexWorkComparator, FindMostWorkChain / ActivateBestChain, ContextualCheckBlockHeader),
 * the orphan pool of older Core (main.cpp ProcessBlock, mapOrphanBlocks), and
 * src/versionbits.cpp (AbstractThresholdConditionChecker::GetStateFor).
 *
 * Allocation-free on the hot path (every witness runs on every reducer call until seen): loops
 * over the input block and the previous orphan pool, lookups in the persistent block map.
 */
import type { Transition } from '../../core/types.ts';
import type { PowParams } from './arith.ts';
import type { Block, PowMessage } from './messages.ts';
import type { BlockEntry, PowState } from './state.ts';

type T = Transition<PowState, PowMessage>;

export interface PowRuleWitness {
  readonly name: string;
  readonly description: string;
  seen(t: T): boolean;
}

/** Was `id` connected by this call (in the tree after, not before)? */
function newlyConnected(t: T, id: string): BlockEntry | undefined {
  if (t.before.blocks.has(id)) return undefined;
  return t.after.blocks.get(id);
}

/** The block `steps` generations below `b` in the node's tree after the call, or undefined. */
function ancestor(t: T, b: Block, steps: number): Block | undefined {
  let cur: Block | undefined = b;
  for (let i = 0; i < steps && cur !== undefined; i++) cur = t.after.blocks.get(cur.parent)?.block;
  return cur;
}

/** Is `id` on the chain ending at `tip` in the node's tree after the call? */
function onChain(t: T, tip: string, id: string, height: number): boolean {
  let e = t.after.blocks.get(tip);
  while (e !== undefined && e.block.height > height) e = t.after.blocks.get(e.block.parent);
  return e !== undefined && e.block.id === id;
}

/** The BIP9 transitions witnessed, in the order of their bits (CONNECTED_BIP9 << k). */
const BIP9_EDGES: readonly (readonly [BlockEntry['deployment'], BlockEntry['deployment'], string])[] = [
  ['DEFINED', 'STARTED', 'the median time past reached nStartTime'],
  ['STARTED', 'LOCKED_IN', 'threshold signalling blocks in the last period'],
  ['LOCKED_IN', 'ACTIVE', 'one period after lock-in'],
  ['STARTED', 'FAILED', 'the median time past reached nTimeout before lock-in'],
];

/** Rules a connected block can show, one bit each (see connectedRules). */
const RETARGET = 1;
const CLAMP_LOW = 2;
const CLAMP_HIGH = 4;
const POWLIMIT_CAP = 8;
const TIES_HEAD = 16;
const CONNECTED_BIP9 = 32;

/**
 * The retarget rules, for one parameter set: the interval is targetTimespan / targetSpacing
 * blocks (Consensus::Params::DifficultyAdjustmentInterval); a block at a multiple of it gets
 * new bits from the timespan its period measured, parent time minus the time of the block one
 * interval below it (pow.cpp GetNextWorkRequired: nHeightFirst = pindexLast->nHeight -
 * (interval - 1)), clamped to [T/4, 4T] and capped at powLimit (CalculateNextWorkRequired).
 *
 * The rules read off the blocks a call connected (the received block and orphans of the pool
 * before the call, connected once their parent arrived; a mined block is connected when the
 * miner's own copy is delivered, like anyone's) are worked out together, once per transition:
 * every pending witness asks about the same transition in a row (the Checker runs them one
 * after the other), and each walking the connected blocks and their parents again was most of
 * the witnesses' cost. The first to ask computes a bit set; the others test their bit.
 */
export function powRules(params: PowParams): readonly PowRuleWitness[] {
  const interval = Math.trunc(params.targetTimespan / params.targetSpacing);
  const T = params.targetTimespan;
  const quarter = Math.trunc(T / 4);

  /** The rules block `e`, connected by `t`, shows (bits); `head`: the head's entry after the call. */
  const rulesOf = (e: BlockEntry, t: T, head: BlockEntry | undefined): number => {
    const b = e.block;
    const parent = t.after.blocks.get(b.parent);
    let bits = 0;
    // A retarget block: its period's measured timespan (parent time minus the time of the block interval - 1 below the parent).
    if (b.height !== 0 && b.height % interval === 0 && parent !== undefined) {
      const first = ancestor(t, parent.block, interval - 1);
      if (first !== undefined) {
        const measured = parent.block.time - first.time;
        if (parent.block.bits !== b.bits) bits |= RETARGET;
        if (measured < quarter) bits |= CLAMP_LOW;
        if (measured > T * 4) bits |= CLAMP_HIGH;
        if (measured > T && b.bits === t.after.blocks.get(t.after.genesis)?.block.bits) bits |= POWLIMIT_CAP;
      }
    }
    if (b.id !== t.after.head && e.chainwork === head?.chainwork) bits |= TIES_HEAD;
    if (parent !== undefined) {
      for (let k = 0; k < BIP9_EDGES.length; k++) {
        if (e.deployment === BIP9_EDGES[k]![1] && parent.deployment === BIP9_EDGES[k]![0]) bits |= CONNECTED_BIP9 << k;
      }
    }
    return bits;
  };

  // The last transition asked about and its bits (the transition is kept only until the next one).
  let lastT: T | undefined;
  let lastBits = 0;
  /** The rules shown by some block `t` connected: none unless it received a block that it connected. */
  const connectedRules = (t: T): number => {
    if (t === lastT) return lastBits;
    let bits = 0;
    // An unchanged tree (a persistent map makes a new version per connection) connected nothing.
    if (t.input.kind === 'message' && t.after.blocks !== t.before.blocks) {
      const e = newlyConnected(t, t.input.msg.block.id);
      if (e !== undefined) {
        const head = t.after.blocks.get(t.after.head);
        bits = rulesOf(e, t, head);
        const orphans = t.before.orphans;
        for (let i = 0; i < orphans.length; i++) {
          const o = newlyConnected(t, orphans[i]!.id);
          if (o !== undefined) bits |= rulesOf(o, t, head);
        }
      }
    }
    lastT = t;
    lastBits = bits;
    return bits;
  };
  const shows = (bit: number) => (t: T) => (connectedRules(t) & bit) !== 0;
  return [
    {
      name: 'retarget-at-interval',
      description: 'pow.cpp GetNextWorkRequired: a block at a multiple of the interval connected with nBits other than its parent\'s (a retarget)',
      seen: shows(RETARGET),
    },
    {
      name: 'retarget-clamp-low',
      description: 'pow.cpp CalculateNextWorkRequired: a retarget whose period took less than T/4 (nActualTimespan raised to T/4)',
      seen: shows(CLAMP_LOW),
    },
    {
      name: 'retarget-clamp-high',
      description: 'pow.cpp CalculateNextWorkRequired: a retarget whose period took more than 4T (nActualTimespan lowered to 4T)',
      seen: shows(CLAMP_HIGH),
    },
    {
      name: 'retarget-powlimit-cap',
      description: 'pow.cpp CalculateNextWorkRequired: an easing retarget (period longer than T) that lands on powLimit\'s nBits (bnNew capped at bnPowLimit)',
      seen: shows(POWLIMIT_CAP),
    },
    {
      name: 'reorg-to-more-work',
      description: 'validation.cpp ActivateBestChain: the head moves to a chain with more work that does not extend the old head (a reorganisation)',
      seen: (t) => {
        if (t.after.head === t.before.head) return false;
        const old = t.before.blocks.get(t.before.head);
        const now = t.after.blocks.get(t.after.head);
        return old !== undefined && now !== undefined && now.chainwork > old.chainwork && !onChain(t, t.after.head, old.block.id, old.block.height);
      },
    },
    {
      name: 'tie-first-seen-kept',
      description: 'validation.cpp CBlockIndexWorkComparator: a block with as much work as the head is connected and the head, seen first, stays',
      seen: (t) => t.after.head === t.before.head && (connectedRules(t) & TIES_HEAD) !== 0,
    },
    {
      name: 'orphan-held',
      description: 'main.cpp ProcessBlock (mapOrphanBlocks): a block whose parent is unknown is kept as an orphan',
      seen: (t) => t.after.orphans.length > t.before.orphans.length,
    },
    {
      name: 'orphan-connected-later',
      description: 'main.cpp ProcessBlock: an orphan is connected when its parent arrives',
      seen: (t) => {
        if (t.after.blocks === t.before.blocks) return false;
        const orphans = t.before.orphans;
        for (let i = 0; i < orphans.length; i++) if (newlyConnected(t, orphans[i]!.id) !== undefined) return true;
        return false;
      },
    },
    {
      name: 'invalid-block-rejected',
      description: 'validation.cpp ContextualCheckBlockHeader (bad-diffbits): a block whose nBits is not what the retarget rule demands is refused and remembered',
      seen: (t) => t.after.invalid.size > t.before.invalid.size,
    },
    // versionbits.cpp GetStateFor: the BIP9 state of a block at a period start against its parent's.
    ...BIP9_EDGES.map(([from, to, why], k) => ({
      name: `bip9-${from.toLowerCase().replace('_', '-')}-to-${to.toLowerCase().replace('_', '-')}`,
      description: `versionbits.cpp GetStateFor: ${from} -> ${to} (${why})`,
      seen: shows(CONNECTED_BIP9 << k),
    })),
  ];
}
