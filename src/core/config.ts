import type { ClusterConfig, FaultBudget } from './types.ts';
import { UserError } from './errors.ts';
import { maxFaulty } from './quorum.ts';

export const NO_FAULTS: FaultBudget = { drops: 0, duplicates: 0, crashes: 0, partitions: 0, injections: 0 };

/** A cluster of n = 3f + 1 nodes with the given budget; the common case. */
export function clusterConfig(
  n: number,
  options: Partial<Omit<ClusterConfig, 'n' | 'faults'>> & { faults?: Partial<FaultBudget> } = {},
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
  });
}

/**
 * The post-GST step budget. After GST a height needs a bounded number of rounds; each round
 * is at most n broadcasts of a few message types, i.e. O(n^2) deliveries. The constant is
 * generous so that a violation means "stuck", not "slow".
 */
export function defaultGstStepBound(n: number, heights: number): number {
  return 40 * n * n * heights + 200;
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
  if (byz.length > f) {
    throw new UserError(`${where}.byzantine: ${byz.length} Byzantine nodes exceed f=${f}`);
  }
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
  return { n, f, byzantine: [...byz].sort((a, b) => a - b), twins: [...tw], heights, faults, gstStepBound };
}
