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

/**
 * Does a block connected by this call satisfy `ok`? The connected blocks are the received
 * block and orphans of the pool before the call (connected once their parent arrived); a mined
 * block is connected when the miner's own copy is delivered, like anyone's.
 */
function anyConnected(t: T, ok: (e: BlockEntry, t: T) => boolean): boolean {
  if (t.input.kind !== 'message') return false;
  const e = newlyConnected(t, t.input.msg.block.id);
  if (e === undefined) return false;
  if (ok(e, t)) return true;
  const orphans = t.before.orphans;
  for (let i = 0; i < orphans.length; i++) {
    const o = newlyConnected(t, orphans[i]!.id);
    if (o !== undefined && ok(o, t)) return true;
  }
  return false;
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

/**
 * The retarget rules, for one parameter set: the interval is targetTimespan / targetSpacing
 * blocks (Consensus::Params::DifficultyAdjustmentInterval); a block at a multiple of it gets
 * new bits from the timespan its period measured, parent time minus the time of the block one
 * interval below it (pow.cpp GetNextWorkRequired: nHeightFirst = pindexLast->nHeight -
 * (interval - 1)), clamped to [T/4, 4T] and capped at powLimit (CalculateNextWorkRequired).
 */
export function powRules(params: PowParams): readonly PowRuleWitness[] {
  const interval = Math.trunc(params.targetTimespan / params.targetSpacing);
  const T = params.targetTimespan;
  /** The measured timespan of a retarget block, or undefined if `e` is not one. */
  const measured = (e: BlockEntry, t: T): number | undefined => {
    const b = e.block;
    if (b.height === 0 || b.height % interval !== 0) return undefined;
    const parent = t.after.blocks.get(b.parent)?.block;
    const first = parent === undefined ? undefined : ancestor(t, parent, interval - 1);
    return parent === undefined || first === undefined ? undefined : parent.time - first.time;
  };
  const genesisBits = (t: T) => t.after.blocks.get(t.after.genesis)?.block.bits;
  // The predicates are made once here, not per call: witnesses run on every reducer call.
  const retargets = (e: BlockEntry, t: T) => measured(e, t) !== undefined && t.after.blocks.get(e.block.parent)?.block.bits !== e.block.bits;
  const clampLow = (e: BlockEntry, t: T) => (measured(e, t) ?? Infinity) < Math.trunc(T / 4);
  const clampHigh = (e: BlockEntry, t: T) => (measured(e, t) ?? -Infinity) > T * 4;
  const capped = (e: BlockEntry, t: T) => (measured(e, t) ?? -Infinity) > T && e.block.bits === genesisBits(t);
  const ties = (e: BlockEntry, t: T) => e.block.id !== t.after.head && e.chainwork === t.after.blocks.get(t.after.head)?.chainwork;
  return [
    {
      name: 'retarget-at-interval',
      description: 'pow.cpp GetNextWorkRequired: a block at a multiple of the interval connected with nBits other than its parent\'s (a retarget)',
      seen: (t) => anyConnected(t, retargets),
    },
    {
      name: 'retarget-clamp-low',
      description: 'pow.cpp CalculateNextWorkRequired: a retarget whose period took less than T/4 (nActualTimespan raised to T/4)',
      seen: (t) => anyConnected(t, clampLow),
    },
    {
      name: 'retarget-clamp-high',
      description: 'pow.cpp CalculateNextWorkRequired: a retarget whose period took more than 4T (nActualTimespan lowered to 4T)',
      seen: (t) => anyConnected(t, clampHigh),
    },
    {
      name: 'retarget-powlimit-cap',
      description: 'pow.cpp CalculateNextWorkRequired: an easing retarget (period longer than T) that lands on powLimit\'s nBits (bnNew capped at bnPowLimit)',
      seen: (t) => anyConnected(t, capped),
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
      seen: (t) => t.after.head === t.before.head && anyConnected(t, ties),
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
    ...bip9Transitions(),
  ];
}

/** versionbits.cpp GetStateFor: the BIP9 state of a block at a period start against its parent's. */
function bip9Transitions(): PowRuleWitness[] {
  const edges: [BlockEntry['deployment'], BlockEntry['deployment'], string][] = [
    ['DEFINED', 'STARTED', 'the median time past reached nStartTime'],
    ['STARTED', 'LOCKED_IN', 'threshold signalling blocks in the last period'],
    ['LOCKED_IN', 'ACTIVE', 'one period after lock-in'],
    ['STARTED', 'FAILED', 'the median time past reached nTimeout before lock-in'],
  ];
  return edges.map(([from, to, why]) => {
    const moves = (e: BlockEntry, t: T) => e.deployment === to && t.after.blocks.get(e.block.parent)?.deployment === from;
    return {
      name: `bip9-${from.toLowerCase().replace('_', '-')}-to-${to.toLowerCase().replace('_', '-')}`,
      description: `versionbits.cpp GetStateFor: ${from} -> ${to} (${why})`,
      seen: (t: T) => anyConnected(t, moves),
    };
  });
}
