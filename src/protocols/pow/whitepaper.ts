/**
 * The double-spend race of "Bitcoin: A Peer-to-Peer Electronic Cash System" (Satoshi
 * Nakamoto, 2008), section 11 "Calculations": an attacker with a share q of the hash power
 * mines a private chain that leaves out a payment, while the honest network (share p = 1 - q)
 * buries the payment under z blocks; the merchant then ships. The attacker succeeds if its
 * chain ever catches up with the honest one.
 *
 * The paper's model, reproduced here: while the honest network mines its z blocks (each
 * taking the expected time), the attacker's progress k is Poisson with mean z q / p; from a
 * deficit of z - k the race is a gambler's ruin, caught up with probability (q/p)^(z-k).
 *
 * The race is driven by the PoW reducer itself (index.ts): blocks are mined with `onEvent`,
 * connected with `onMessage`, and "caught up" is read from the nodes' chainwork. Randomness is
 * a seedrandom stream, so a seed replays a table exactly. Nothing here runs on import:
 * `whitepaperComparison` computes the rows and `formatComparison` prints them (bench, tests).
 */
import seedrandom from 'seedrandom';
import type { Protocol } from '../../core/types.ts';
import { clusterConfig } from '../../core/config.ts';
import type { PowParams } from './arith.ts';
import { pow } from './index.ts';
import type { PowMessage } from './messages.ts';
import type { PowState } from './state.ts';

/**
 * AttackerSuccessProbability(q, z), the C function of section 11, line for line:
 * 1 - sum_{k=0..z} Poisson(k; z q/p) (1 - (q/p)^(z-k)).
 */
export function attackerSuccessProbability(q: number, z: number): number {
  checkRace(q, z);
  const p = 1.0 - q;
  const lambda = z * (q / p);
  let sum = 1.0;
  for (let k = 0; k <= z; k++) {
    let poisson = Math.exp(-lambda);
    for (let i = 1; i <= k; i++) poisson *= lambda / i;
    sum -= poisson * (1 - Math.pow(q / p, z - k));
  }
  return sum;
}

/**
 * The same race without the paper's Poisson approximation: blocks arrive one at a time, the
 * attacker's with probability q, so its progress while the honest network mines z blocks is
 * negative binomial, P(k) = C(k+z-1, k) p^z q^k. Not in the paper (its approximation is
 * discussed by Rosenfeld, "Analysis of hashrate-based double spending", 2014); printed by the
 * bench next to the paper's figures.
 */
export function exactCatchUpProbability(q: number, z: number): number {
  checkRace(q, z);
  const p = 1 - q;
  let sum = 1;
  let binom = 1; // C(k+z-1, k), updated as k grows
  for (let k = 0; k < z; k++) {
    if (k > 0) binom = (binom * (k + z - 1)) / k;
    sum -= binom * Math.pow(p, z) * Math.pow(q, k) * (1 - Math.pow(q / p, z - k));
  }
  return sum;
}

function checkRace(q: number, z: number): void {
  if (!(q > 0 && q < 0.5)) throw new RangeError(`q must be in (0, 0.5), got ${q}`);
  if (!Number.isInteger(z) || z < 0) throw new RangeError(`z must be a non-negative integer, got ${z}`);
}

/** The paper's printed table (section 11), seven decimals, for checking the formula's port. */
export const PUBLISHED_TABLE: readonly { readonly q: number; readonly z: number; readonly p: number }[] = Object.freeze([
  { q: 0.1, z: 0, p: 1.0 },
  { q: 0.1, z: 1, p: 0.2045873 },
  { q: 0.1, z: 2, p: 0.0509779 },
  { q: 0.1, z: 3, p: 0.0131722 },
  { q: 0.1, z: 4, p: 0.0034552 },
  { q: 0.1, z: 5, p: 0.0009137 },
  { q: 0.1, z: 6, p: 0.0002428 },
  { q: 0.1, z: 7, p: 0.0000647 },
  { q: 0.1, z: 8, p: 0.0000173 },
  { q: 0.1, z: 9, p: 0.0000046 },
  { q: 0.1, z: 10, p: 0.0000012 },
  { q: 0.3, z: 0, p: 1.0 },
  { q: 0.3, z: 5, p: 0.1773523 },
  { q: 0.3, z: 10, p: 0.0416605 },
  { q: 0.3, z: 15, p: 0.0101008 },
  { q: 0.3, z: 20, p: 0.0024804 },
  { q: 0.3, z: 25, p: 0.0006132 },
  { q: 0.3, z: 30, p: 0.0001522 },
  { q: 0.3, z: 35, p: 0.0000379 },
  { q: 0.3, z: 40, p: 0.0000095 },
  { q: 0.3, z: 45, p: 0.0000024 },
  { q: 0.3, z: 50, p: 0.0000006 },
]);

export function publishedValue(q: number, z: number): number | undefined {
  return PUBLISHED_TABLE.find((r) => r.q === q && r.z === z)?.p;
}

/** Constant difficulty, as the paper assumes: the race is counted in blocks. */
const RACE_PARAMS: Readonly<PowParams> = Object.freeze({
  powLimit: (1n << 240n) - 1n,
  targetTimespan: 2 * 600,
  targetSpacing: 600,
  noRetargeting: true,
});
const RACE_EVENT = 'mine:600';
/** A bound on one race after the merchant ships (the expected length is a few dozen blocks). */
const MAX_RACE_BLOCKS = 1_000_000;

export type RaceModel = 'whitepaper' | 'bernoulli';

export interface RaceOptions {
  readonly trials: number;
  readonly seed: string;
  /** 'whitepaper' (default): Poisson progress during the z blocks; 'bernoulli': block by block. */
  readonly model?: RaceModel;
  /**
   * The race is called lost once the attacker is this far behind that catching up has
   * probability at most epsilon ((q/p)^deficit); this bounds every trial. Default 1e-6, far
   * below any confidence interval the trial counts give.
   */
  readonly epsilon?: number;
}

type Race = { protocol: Protocol<PowState, PowMessage>; honest: PowState; attacker: PowState };

/** One node finds a block on its head and handles its own copy at once, as the simulator does. */
function mine(protocol: Protocol<PowState, PowMessage>, s: PowState): PowState {
  const found = protocol.onEvent!(s, RACE_EVENT);
  let state = found.state;
  for (const e of found.effects) if (e.kind === 'broadcast') state = protocol.onMessage(state, state.self, e.msg).state;
  if (state.head === s.head) throw new Error(`node ${s.self} did not adopt the block it mined`);
  return state;
}

function headWork(s: PowState): string {
  return s.blocks.get(s.head)!.chainwork;
}

/** Has the attacker's private chain as much work as the honest one? (Fixed-width hex: string order is numeric.) */
function caughtUp(r: Race): boolean {
  return headWork(r.attacker) >= headWork(r.honest);
}

/** A Poisson variate by counting unit-rate exponential gaps up to the mean (exact for any mean). */
function poisson(rng: () => number, mean: number): number {
  let t = 0;
  let k = 0;
  // Terminates with probability 1; the bound only guards against a broken rng.
  for (; k < 100_000; k++) {
    t += -Math.log(1 - rng());
    if (t > mean) return k;
  }
  throw new Error(`poisson(${mean}) did not terminate`);
}

/** Run `trials` races; returns how many the attacker won (caught up). */
export function simulateAttackerSuccess(q: number, z: number, options: RaceOptions): { successes: number; trials: number } {
  checkRace(q, z);
  if (!Number.isInteger(options.trials) || options.trials < 1) throw new RangeError(`trials must be a positive integer, got ${options.trials}`);
  const p = 1 - q;
  const epsilon = options.epsilon ?? 1e-6;
  const giveUp = Math.ceil(Math.log(epsilon) / Math.log(q / p));
  const rng = seedrandom(`${options.seed}/q=${q}/z=${z}/${options.model ?? 'whitepaper'}`);
  const protocol = pow(undefined, { params: RACE_PARAMS, offsets: [600] });
  const cluster = clusterConfig(2);
  const honest0 = protocol.init(0, cluster).state;
  const attacker0 = protocol.init(1, cluster).state;
  let successes = 0;
  for (let trial = 0; trial < options.trials; trial++) {
    // The payment is in the first honest block after genesis; the attacker forks at genesis and
    // never hears of honest blocks (it mines in private, so it has no use for them).
    const r: Race = { protocol, honest: honest0, attacker: attacker0 };
    if ((options.model ?? 'whitepaper') === 'whitepaper') {
      for (let i = 0; i < z; i++) r.honest = mine(protocol, r.honest);
      const k = poisson(rng, (z * q) / p);
      for (let i = 0; i < k; i++) r.attacker = mine(protocol, r.attacker);
    } else {
      for (let honestBlocks = 0; honestBlocks < z; ) {
        if (rng() < q) r.attacker = mine(protocol, r.attacker);
        else {
          r.honest = mine(protocol, r.honest);
          honestBlocks++;
        }
      }
    }
    // The merchant ships now; from here on the gambler's ruin, block by block. It ends at
    // a catch-up or at the give-up deficit; the walk drifts there at p - q > 0 blocks per step.
    for (let step = 0; ; step++) {
      if (step > MAX_RACE_BLOCKS) throw new Error(`race q=${q} z=${z} ran ${MAX_RACE_BLOCKS} blocks without an outcome`);
      if (caughtUp(r)) {
        successes++;
        break;
      }
      const deficit = r.honest.blocks.get(r.honest.head)!.block.height - r.attacker.blocks.get(r.attacker.head)!.block.height;
      if (deficit >= giveUp) break;
      if (rng() < q) r.attacker = mine(protocol, r.attacker);
      else r.honest = mine(protocol, r.honest);
    }
  }
  return { successes, trials: options.trials };
}

/** Wilson score interval for a binomial proportion; zScore 3.2905 is two-sided 99.9%. */
export function wilsonInterval(successes: number, trials: number, zScore: number): { lo: number; hi: number } {
  if (trials <= 0) throw new RangeError(`trials must be positive, got ${trials}`);
  const phat = successes / trials;
  const z2 = zScore * zScore;
  const denom = 1 + z2 / trials;
  const centre = (phat + z2 / (2 * trials)) / denom;
  const half = (zScore * Math.sqrt((phat * (1 - phat)) / trials + z2 / (4 * trials * trials))) / denom;
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** z-score of a two-sided 99.9% interval. */
export const Z_999 = 3.2905267314919255;

export interface ComparisonRow {
  readonly q: number;
  readonly z: number;
  /** The paper's printed figure, where it printed one. */
  readonly published: number | undefined;
  /** The model's probability: the paper's formula, or the exact one for the Bernoulli race. */
  readonly reference: number;
  readonly successes: number;
  readonly trials: number;
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
  /** The reference lies in the interval. */
  readonly consistent: boolean;
}

export const DEFAULT_CELLS: readonly { readonly q: number; readonly z: number }[] = Object.freeze([
  { q: 0.1, z: 0 },
  { q: 0.1, z: 1 },
  { q: 0.1, z: 2 },
  { q: 0.1, z: 3 },
  { q: 0.1, z: 5 },
  { q: 0.3, z: 0 },
  { q: 0.3, z: 5 },
  { q: 0.3, z: 10 },
]);

export interface ComparisonOptions {
  readonly cells?: readonly { readonly q: number; readonly z: number }[];
  readonly trials?: number;
  readonly seed?: string;
  readonly model?: RaceModel;
  /** z-score of the interval (default Z_999). */
  readonly zScore?: number;
}

/** Simulate every cell and compare with the model's formula. The bench entry point. */
export function whitepaperComparison(options: ComparisonOptions = {}): ComparisonRow[] {
  const model = options.model ?? 'whitepaper';
  const trials = options.trials ?? 4000;
  const zScore = options.zScore ?? Z_999;
  return (options.cells ?? DEFAULT_CELLS).map(({ q, z }) => {
    const { successes } = simulateAttackerSuccess(q, z, { trials, seed: options.seed ?? 'nakamoto', model });
    const reference = model === 'whitepaper' ? attackerSuccessProbability(q, z) : exactCatchUpProbability(q, z);
    const { lo, hi } = wilsonInterval(successes, trials, zScore);
    return { q, z, published: publishedValue(q, z), reference, successes, trials, estimate: successes / trials, lo, hi, consistent: lo <= reference && reference <= hi };
  });
}

/** The comparison as a fixed-width text table. */
export function formatComparison(rows: readonly ComparisonRow[], model: RaceModel = 'whitepaper'): string {
  const f = (x: number) => x.toFixed(7);
  const head = model === 'whitepaper'
    ? 'Attacker success probability: Nakamoto 2008, section 11 (formula) vs the race run on the PoW reducer'
    : 'Attacker catch-up probability: exact block-by-block race (negative binomial) vs the race run on the PoW reducer';
  const lines = [
    head,
    `   q   z   published    ${model === 'whitepaper' ? 'formula  ' : 'exact    '}   simulated   99.9% interval            trials  ok`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.q.toFixed(2).padStart(4)} ${String(r.z).padStart(3)}   ${r.published === undefined ? '    -    ' : f(r.published)}    ${f(r.reference)}   ${f(r.estimate)}   [${f(r.lo)}, ${f(r.hi)}]  ${String(r.trials).padStart(6)}  ${r.consistent ? 'yes' : 'NO'}`,
    );
  }
  return lines.join('\n');
}

/**
 * The bench entry point: both races (the paper's model against its formula, and the
 * block-by-block race against the exact formula) as printable text, with the time taken.
 * Deterministic for a given seed and trial count.
 */
export function whitepaperReport(options: { trials?: number; seed?: string; cells?: ComparisonOptions['cells'] } = {}): {
  text: string;
  consistent: boolean;
  seconds: number;
} {
  const t0 = performance.now();
  const paper = whitepaperComparison({ ...options, model: 'whitepaper' });
  const exact = whitepaperComparison({ ...options, model: 'bernoulli' });
  const seconds = (performance.now() - t0) / 1000;
  const text = `${formatComparison(paper, 'whitepaper')}\n\n${formatComparison(exact, 'bernoulli')}`;
  return { text, consistent: [...paper, ...exact].every((r) => r.consistent), seconds };
}
