import type { ClusterConfig, FaultBudget } from './types.ts';
import { UserError } from './errors.ts';
import { maxFaulty } from './quorum.ts';

export const NO_FAULTS: FaultBudget = { drops: 0, duplicates: 0, crashes: 0, partitions: 0, injections: 0 };

/**
 * A cluster config whose tape may also choose, at GST, how each Byzantine node behaves from
 * then on and a core of correct nodes that must decide (sim/actions.ts AfterGst; the tape
 * scheduler in check/execute.ts). Absent or false: every Byzantine node turns honest at GST
 * and every correct node must decide, as before; tapes decode exactly as they always did.
 * (The field belongs in core/types.ts ClusterConfig; it lives here until the lead moves it.)
 */
export interface AdversaryConfig extends ClusterConfig {
  readonly postGst?: boolean;
  /**
   * More Byzantine nodes than f, on purpose (a test or `--byzantine K` says so): agreement and
   * termination are then not promised, and the accountability property is checked instead
   * (check/generic.ts). Without it, a config with more than f Byzantine nodes is refused.
   */
  readonly beyondF?: boolean;
}

/** Does this config let the tape choose behaviours after GST? */
export function postGstOn(cfg: ClusterConfig): boolean {
  return (cfg as AdversaryConfig).postGst === true;
}

/** A cluster of n = 3f + 1 nodes with the given budget; the common case. */
export function clusterConfig(
  n: number,
  options: Partial<Omit<AdversaryConfig, 'n' | 'faults'>> & { faults?: Partial<FaultBudget> } = {},
): ClusterConfig {
  const f = options.f ?? maxFaulty(n);
  return validateConfig({
    n,
    f,
    byzantine: options.byzantine ?? [],
    twins: options.twins ?? [],
    heights: options.heights ?? 1,
    faults: { ...NO_FAULTS, ...options.faults },
    gstStepBound: options.gstStepBound ?? defaultGstStepBound(n, options.heights ?? 1),
    ...(options.postGst === true ? { postGst: true } : {}),
    ...(options.beyondF === true ? { beyondF: true } : {}),
  });
}

/**
 * The post-GST step budget: every step after GST is one delivery or one timer.
 *
 * Rounds (views) per height. At most f nodes are faulty: Byzantine nodes that stay silent,
 * selective, equivocating or delayed after GST (sim/actions.ts AfterGst), plus the correct
 * nodes outside a core (cut off for good). With leaders in rotation, a height needs
 * - 1 round to bring the correct nodes into one round (they may be anywhere at GST; f+1
 *   round messages or one timeout round pull everyone up),
 * - up to f rounds in a row whose leader is faulty (each ends by timeouts),
 * - for Tendermint, 1 more round so that a locked value is re-proposed with its proof of lock,
 *   and the deciding round: f + 3 in all;
 * - for chained HotStuff, a commit needs 3 consecutive correct leaders (a 3-chain of direct
 *   parents in consecutive views). With n = 3f+1 and f faulty leaders in the rotation, the
 *   2f+1 correct ones fall into at most f runs, so one run has at least 3 (pigeonhole); it
 *   starts within one rotation: at most n + 3 views, plus one to synchronise: n + 4.
 * So R = n + 4 >= f + 3 rounds per height covers both.
 * Deliveries per round: at most 3 all-to-all broadcasts of correct nodes (prevote, precommit,
 * and a timeout / round change; a proposal is n - 1 more) = 3n(n-1) + n; gossip relays each
 * Byzantine message once more to every correct node (at most f senders x 3 messages x n, an
 * equivocator's two versions included, < n^2 since 3f < n); timers at most 3 per node = 3n.
 * That is < 4n^2 + 4n <= 5n^2 for n >= 4. Bound: 5 n^2 (n + 4) per height.
 * At n = 4 this is 640 per height, exactly the former 40 n^2; for small n (2, 3) the former
 * 40 n^2 is larger and kept; for n >= 5 the bound grows with n (the rotation is longer).
 * A violation therefore means "stuck", not "slow"; the +200 (kept from the former bound) is
 * slack for draining what was in flight at GST.
 * Why it is sound with the behaviours of AfterGst: a silent node or a cut-off node adds rounds
 * (counted in R), never messages; an equivocator sends each message once, one version per
 * half; a delayed node's messages are delivered, only later; a selective node sends fewer.
 */
export function defaultGstStepBound(n: number, heights: number): number {
  return Math.max(40 * n * n, 5 * n * n * (n + 4)) * heights + 200;
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

/**
 * Check a config from any source (CLI flags, fixture JSON) and return it typed.
 * Every error names the field and the value, so that nothing is lost in the message.
 */
export function validateConfig(raw: unknown, where = 'config'): ClusterConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`${where}: expected an object, got ${JSON.stringify(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  const field = (name: string): number => {
    const v = r[name];
    if (!isNat(v)) throw new UserError(`${where}.${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const n = field('n');
  const f = field('f');
  const heights = field('heights');
  const gstStepBound = field('gstStepBound');
  // One node decides alone, at once and forever: nothing to verify, and no bound on its progress.
  if (n < 2) throw new UserError(`${where}.n: a cluster needs at least 2 nodes, got ${n}`);
  if (n > 64) throw new UserError(`${where}.n: at most 64 nodes are supported, got ${n}`);
  if (n < 3 * f + 1) {
    throw new UserError(
      `${where}: n=${n} cannot tolerate f=${f}; Byzantine agreement needs n >= 3f+1 = ${3 * f + 1}` +
        ` (with n=${n}, f is at most ${maxFaulty(n)})`,
    );
  }
  if (heights < 1) throw new UserError(`${where}.heights: need at least 1, got ${heights}`);
  const byz = r['byzantine'];
  if (!Array.isArray(byz) || !byz.every(isNat)) {
    throw new UserError(`${where}.byzantine: expected a list of node ids, got ${JSON.stringify(byz)}`);
  }
  for (const b of byz) {
    if (b >= n) throw new UserError(`${where}.byzantine: node ${b} does not exist (n=${n}, ids 0..${n - 1})`);
  }
  if (new Set(byz).size !== byz.length) throw new UserError(`${where}.byzantine: duplicate ids in ${JSON.stringify(byz)}`);
  const beyondF = r['beyondF'];
  if (beyondF !== undefined && typeof beyondF !== 'boolean') throw new UserError(`${where}.beyondF: expected true or false, got ${JSON.stringify(beyondF)}`);
  if (byz.length > f && beyondF !== true) {
    throw new UserError(`${where}.byzantine: ${byz.length} Byzantine nodes exceed f=${f} (to test accountability beyond f on purpose, set beyondF: true, or fuzz --byzantine ${byz.length})`);
  }
  if (byz.length >= n) throw new UserError(`${where}.byzantine: ${byz.length} Byzantine nodes of ${n} leave no correct node to check`);
  const tw = r['twins'] ?? [];
  if (!Array.isArray(tw) || !tw.every(isNat)) throw new UserError(`${where}.twins: expected a list of node ids, got ${JSON.stringify(tw)}`);
  if (new Set(tw).size !== tw.length) throw new UserError(`${where}.twins: duplicate ids in ${JSON.stringify(tw)}`);
  for (const t of tw) {
    if (!byz.includes(t)) throw new UserError(`${where}.twins: node ${t} has a twin but is not Byzantine (twins must be listed in byzantine)`);
  }
  const fr = r['faults'];
  if (typeof fr !== 'object' || fr === null || Array.isArray(fr)) {
    throw new UserError(`${where}.faults: expected an object, got ${JSON.stringify(fr)}`);
  }
  const faultsRaw = fr as Record<string, unknown>;
  const faults = {} as Record<keyof FaultBudget, number>;
  for (const k of Object.keys(NO_FAULTS) as (keyof FaultBudget)[]) {
    const v = faultsRaw[k] ?? 0;
    if (!isNat(v)) throw new UserError(`${where}.faults.${k}: expected a non-negative integer, got ${JSON.stringify(v)}`);
    faults[k] = v;
  }
  // Reboots (crash-recovery) are kept only when asked for, so older configs stay as they were.
  const reboots = faultsRaw['reboots'] ?? 0;
  if (!isNat(reboots)) throw new UserError(`${where}.faults.reboots: expected a non-negative integer, got ${JSON.stringify(reboots)}`);
  if (reboots > 0) (faults as Record<string, number>)['reboots'] = reboots;
  for (const k of Object.keys(faultsRaw)) {
    if (!(k in NO_FAULTS) && k !== 'reboots') {
      throw new UserError(`${where}.faults.${k}: unknown fault kind (known: ${Object.keys(NO_FAULTS).join(', ')}, reboots)`);
    }
  }
  if (faults.injections > 0 && byz.length === 0) {
    throw new UserError(`${where}.faults.injections: ${faults.injections} injections need at least one Byzantine node`);
  }
  const postGst = r['postGst'];
  if (postGst !== undefined && typeof postGst !== 'boolean') throw new UserError(`${where}.postGst: expected true or false, got ${JSON.stringify(postGst)}`);
  const cfg: AdversaryConfig = { n, f, byzantine: [...byz].sort((a, b) => a - b), twins: [...tw], heights, faults, gstStepBound, ...(postGst === true ? { postGst } : {}), ...(beyondF === true && byz.length > f ? { beyondF } : {}) };
  return cfg;
}
