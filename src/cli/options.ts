import { UserError } from '../core/errors.ts';
import { DEFAULT_SHAPE, type ScenarioShape } from '../adversary/arbitraries.ts';
import { maxFaulty } from '../core/quorum.ts';
import type { MutantInfo } from '../core/types.ts';

/**
 * How a user runs this command line, for the hints it prints: the installed bin when it
 * runs compiled (a user's project), the npm script when it runs from this repository.
 */
export const CLI = import.meta.url.endsWith('.js') ? 'npx consensus-harness' : 'npm run cli --';

/** Options shared by fuzz and replay --seed: which protocol, and the shape of scenarios. */
export const SCENARIO_OPTIONS = {
  protocol: { type: 'string', default: 'tendermint' },
  mutant: { type: 'string' },
  n: { type: 'string', default: '4' },
  heights: { type: 'string', default: String(DEFAULT_SHAPE.maxHeights) },
  tape: { type: 'string', default: String(DEFAULT_SHAPE.maxTape) },
  'no-byzantine': { type: 'boolean', default: false },
  byzantine: { type: 'string' },
  twins: { type: 'boolean', default: false },
  'post-gst': { type: 'boolean', default: false },
  strategy: { type: 'string', default: 'mixed' },
  drops: { type: 'string', default: String(DEFAULT_SHAPE.maxFaults.drops) },
  duplicates: { type: 'string', default: String(DEFAULT_SHAPE.maxFaults.duplicates) },
  crashes: { type: 'string', default: String(DEFAULT_SHAPE.maxFaults.crashes) },
  partitions: { type: 'string', default: String(DEFAULT_SHAPE.maxFaults.partitions) },
  injections: { type: 'string', default: String(DEFAULT_SHAPE.maxFaults.injections) },
  reboots: { type: 'string', default: '0' },
  'deliver-share': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const SCENARIO_HELP = `scenario options:
  --protocol NAME     protocol to run (default tendermint; see 'list')
  --mutant NAME       run a deliberately buggy variant (see 'list')
  --n LIST            cluster sizes, comma separated (default 4); each must be >= 3f+1 with f >= 0
  --heights H         decisions each correct node must reach after GST, drawn from 1..H (default 2)
  --tape L            longest adversary tape, in steps before GST (default 80)
  --no-byzantine      never make nodes Byzantine (default: up to f per run)
  --byzantine K       exactly K Byzantine nodes in every run; K > f on purpose tests
                      accountability: agreement may break, but then at least f+1 nodes
                      must be proven faulty by the messages correct nodes received
  --strategy S        how deliveries are chosen: uniform (the tape picks any message),
                      priority (PCT-style: nodes get random priorities, the highest-
                      priority node with mail is served first; finds deep lock bugs
                      2.5-9x sooner at n=4), or mixed (half the scenarios each; the
                      uniform half is exactly the uniform campaign's; fuzz's guided search
                      draws its fresh scenarios this way); the fast-check engine is
                      always uniform
  --twins             in half the runs with Byzantine nodes, run each Byzantine identity as
                      Twins (two honest instances, split by partitions), besides injections
  --post-gst          Byzantine nodes keep misbehaving after GST: the tape also chooses, per
                      Byzantine node, honest, silent, selective, equivocating or delayed,
                      and may choose a core of n-f correct nodes that must decide while the
                      others stay cut off (VOPR); termination is then checked on the core
  --drops/--duplicates/--crashes/--partitions/--injections K
                      most faults of that kind per run; each run draws 0..K
  --reboots K         most reboots per run (crash-recovery: a correct node loses its memory
                      and timers, possibly between two effects of one reducer call, and
                      restarts from what it persisted; default 0; protocols that declare
                      recover only)
  --deliver-share X   set each tape entry to "deliver the next message" with probability X
                      (0..1; seedrandom engine): fewer timers fire, so votes pile up inside
                      one round (the IBFT invalid-seal fork needs it: properties/ibft.test.ts
                      SEAL_SHAPE); absent, every seed draws what it always drew`;

export function nat(name: string, value: string | undefined, min = 0): number {
  const v = Number(value);
  if (value === undefined || !Number.isInteger(v) || v < min) {
    throw new UserError(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return v;
}

function share(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0 || x > 1) throw new UserError(`--deliver-share: expected a number from 0 to 1, got ${JSON.stringify(value)}`);
  return x;
}

export function shapeFrom(values: Record<string, string | boolean | undefined>): ScenarioShape {
  const sizes = String(values['n']).split(',').map((s) => nat('n', s.trim(), 2));
  for (const n of sizes) {
    if (n > 64) throw new UserError(`--n: at most 64 nodes are supported, got ${n}`);
  }
  const byzantine = !values['no-byzantine'];
  let byzantineCount: number | undefined;
  if (values['byzantine'] !== undefined) {
    if (!byzantine) throw new UserError('--byzantine and --no-byzantine contradict each other');
    byzantineCount = nat('byzantine', values['byzantine'] as string);
    for (const n of sizes) {
      if (byzantineCount >= n) throw new UserError(`--byzantine: ${byzantineCount} Byzantine nodes of n=${n} leave no correct node`);
    }
  }
  if (byzantine && sizes.every((n) => maxFaulty(n) === 0) && nat('injections', values['injections'] as string) > 0) {
    // Not an error: with n < 4 no node can be Byzantine; say so rather than silently run fewer faults.
    console.error(`note: n=${sizes.join(',')} tolerates no Byzantine node (n >= 3f+1), so there will be none`);
  }
  const strategy = values['strategy'] ?? 'uniform';
  if (strategy !== 'uniform' && strategy !== 'priority' && strategy !== 'mixed') {
    throw new UserError(`--strategy: expected uniform, priority or mixed, got ${JSON.stringify(strategy)}`);
  }
  return {
    sizes,
    byzantine,
    twins: values['twins'] === true,
    ...(values['post-gst'] === true ? { postGst: true } : {}),
    ...(values['deliver-share'] !== undefined ? { deliverShare: share(values['deliver-share'] as string) } : {}),
    ...(byzantineCount !== undefined ? { byzantineCount } : {}),
    strategy,
    maxHeights: nat('heights', values['heights'] as string, 1),
    maxTape: nat('tape', values['tape'] as string),
    maxFaults: {
      drops: nat('drops', values['drops'] as string),
      duplicates: nat('duplicates', values['duplicates'] as string),
      crashes: nat('crashes', values['crashes'] as string),
      partitions: nat('partitions', values['partitions'] as string),
      injections: nat('injections', values['injections'] as string),
      ...(values['reboots'] !== undefined && nat('reboots', values['reboots'] as string) > 0 ? { reboots: nat('reboots', values['reboots'] as string) } : {}),
    },
  };
}

/**
 * The shape with what a mutant needs of the adversary turned on (MutantInfo.needs): a
 * crash-recovery mutant gets reboots, a liveness one Byzantine behaviour after GST. Returns the
 * note to print, or undefined when the shape already has it.
 */
export function withMutantNeeds(shape: ScenarioShape, info: MutantInfo | undefined): { shape: ScenarioShape; note?: string } {
  if (info?.needs === 'reboots' && !((shape.maxFaults.reboots ?? 0) > 0)) {
    // A crash-recovery bug needs a vote (a lock, a precommit) before GST while a reboot is left.
    // With uniform tapes about one entry in four fires a timer, so rounds end before their votes
    // are counted and the budget is spent first: --deliver-share 0.75 keeps votes piling up in
    // one round. Runs to kill, guided, seeds search-1..6, median / worst, without -> with:
    // tendermint lock-persisted-after-precommit n=4 1,231 / 2,790 -> 220 / 412, n=7 6 misses in
    // 20,000 -> 218.5 / 486; hotstuff forgets-last-voted-view n=4 196.5 / 681 -> 215.5 / 330,
    // n=7 560.5 / 1,545 -> 84 / 174; tendermint vote-before-persist (found at once either way)
    // n=4 17 / 28 -> 77 / 153, n=7 9 / 22 -> 58 / 104.
    const deliverShare = shape.deliverShare ?? 0.75;
    const also = shape.deliverShare === undefined ? ' and --deliver-share 0.75 (votes pile up in a round before GST)' : '';
    return { shape: { ...shape, deliverShare, maxFaults: { ...shape.maxFaults, reboots: 2 } }, note: `mutant ${info.name} is a crash-recovery bug: --reboots 2${also} turned on` };
  }
  if (info?.needs === 'post-gst' && !shape.postGst) {
    return { shape: { ...shape, postGst: true, byzantine: true }, note: `mutant ${info.name} is a liveness bug: --post-gst turned on (Byzantine nodes keep misbehaving after GST)` };
  }
  return { shape };
}
