/**
 * Figures for the HotStuff family (libra, alg4, jolteon): throughput, how often each witness
 * is reached, and per mutant the runs to the first failure and the shrunk length. A function
 * returning data, for bench/run.ts to print; run alone with
 *   npx tsx bench/hotstuff.ts [runs] [kill-budget]
 */
import { DEFAULT_SHAPE, type ScenarioShape } from '../src/adversary/arbitraries.ts';
import { fuzzScenario } from '../src/adversary/fuzzer.ts';
import { runTape } from '../src/check/execute.ts';
import { fuzzCampaign } from '../src/search/random.ts';
import { isByzantine } from '../src/sim/world.ts';
import { HOTSTUFF_VARIANTS, type HotStuffMutant, type HotStuffVariant, hotstuff } from '../src/protocols/hotstuff/index.ts';
import { mutantsOf } from '../src/protocols/hotstuff/mutants.ts';
import { witnessesOf } from '../src/protocols/hotstuff/witnesses.ts';

export interface HotStuffVariantFigures {
  readonly variant: HotStuffVariant;
  readonly scenariosPerSecond: number;
  readonly stepsPerSecond: number;
  /** Witness name -> [transitions that matched, scenarios with at least one]. */
  readonly witnesses: Readonly<Record<string, readonly [number, number]>>;
  readonly failures: number;
  readonly kills: readonly {
    readonly mutant: string;
    readonly invariant: string | undefined;
    readonly runs: number | undefined;
    readonly seconds: number;
    readonly shrunkActions: number | undefined;
    readonly shrunkTape: number | undefined;
  }[];
}

/** The fuzz command's default shape with Twins in half the Byzantine runs, mixed delivery. */
export const HOTSTUFF_BENCH_SHAPE: ScenarioShape = { ...DEFAULT_SHAPE, twins: true, strategy: 'mixed' };

export function hotstuffFigures(options: { runs?: number; killBudget?: number; shape?: ScenarioShape; seed?: string } = {}): HotStuffVariantFigures[] {
  const runs = options.runs ?? 3000;
  const budget = options.killBudget ?? 30000;
  const shape = options.shape ?? HOTSTUFF_BENCH_SHAPE;
  const seed = options.seed ?? 'bench';
  const out: HotStuffVariantFigures[] = [];
  for (const variant of HOTSTUFF_VARIANTS) {
    const protocol = hotstuff(undefined, variant);
    const ws = witnessesOf(variant);
    const hits: Record<string, [number, number]> = Object.fromEntries(ws.map((w) => [w.name, [0, 0]]));
    const scenarios = Array.from({ length: runs }, (_, i) => fuzzScenario(seed, i, shape));
    let steps = 0;
    let failures = 0;
    const t0 = performance.now();
    for (const sc of scenarios) {
      const seen = new Set<string>();
      const r = runTape(protocol, sc.cfg, sc.tape, {
        priority: sc.priority,
        observe: (_i, _a, _w, record) => {
          for (const t of record.transitions) {
            if (isByzantine(sc.cfg, t.node)) continue;
            for (const w of ws) {
              if (w.check(t, sc.cfg)) {
                hits[w.name]![0]++;
                seen.add(w.name);
              }
            }
          }
        },
      });
      for (const name of seen) hits[name]![1]++;
      steps += r.actions.length;
      if (r.violation !== undefined) failures++;
    }
    const seconds = (performance.now() - t0) / 1000;
    const kills = mutantsOf(variant).map((m) => {
      const mutant = hotstuff(m.name as HotStuffMutant, variant);
      const k0 = performance.now();
      const found = fuzzCampaign(mutant, { seed, start: 0, end: budget, shrink: false, shape });
      const k1 = performance.now();
      if (found.failure === undefined) return { mutant: m.name, invariant: undefined, runs: undefined, seconds: (k1 - k0) / 1000, shrunkActions: undefined, shrunkTape: undefined };
      const shrunk = fuzzCampaign(mutant, { seed, start: found.runs - 1, end: found.runs, shape }).failure!;
      return {
        mutant: m.name,
        invariant: shrunk.result.violation?.invariant,
        runs: found.runs,
        seconds: (k1 - k0) / 1000,
        shrunkActions: shrunk.result.actions.length,
        shrunkTape: shrunk.scenario.tape.length,
      };
    });
    out.push({ variant, scenariosPerSecond: runs / seconds, stepsPerSecond: steps / seconds, witnesses: hits, failures, kills });
  }
  return out;
}

/** Markdown tables of the figures. */
export function formatHotStuffFigures(figures: readonly HotStuffVariantFigures[]): string {
  const lines: string[] = ['| variant | scenarios/s | steps/s | failures | witness: transitions (scenarios) |', '|---|---|---|---|---|'];
  for (const f of figures) {
    const w = Object.entries(f.witnesses).map(([n, [t, s]]) => `${n}: ${t} (${s})`).join('; ') || '-';
    lines.push(`| ${f.variant} | ${Math.round(f.scenariosPerSecond)} | ${Math.round(f.stepsPerSecond)} | ${f.failures} | ${w} |`);
  }
  lines.push('', '| variant | mutant | killed by | runs to failure | time (s) | shrunk actions | shrunk tape |', '|---|---|---|---|---|---|---|');
  for (const f of figures) {
    for (const k of f.kills) {
      lines.push(`| ${f.variant} | ${k.mutant} | ${k.invariant ?? 'SURVIVED'} | ${k.runs ?? '-'} | ${k.seconds.toFixed(2)} | ${k.shrunkActions ?? '-'} | ${k.shrunkTape ?? '-'} |`);
    }
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}` && (process.argv[2] === '--help' || process.argv[2] === '-h')) {
  console.log(`usage: npx tsx bench/hotstuff.ts [RUNS (default 3000)] [KILL-BUDGET (default 30000)]

Per HotStuff variant (libra, alg4, jolteon): scenarios/s and steps/s over RUNS default-shape
scenarios with Twins, how often each witness is reached, and per mutant the runs to the first
failure (within KILL-BUDGET) and the shrunk length. Also part of npm run bench (--only hotstuff).`);
  process.exit(0);
}
if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.argv[2] ?? 3000);
  const killBudget = Number(process.argv[3] ?? 30000);
  console.log(formatHotStuffFigures(hotstuffFigures({ runs, killBudget })));
}
