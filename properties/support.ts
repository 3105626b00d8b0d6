/**
 * Shared pieces of the property suites: run a protocol against generated schedules and,
 * when an invariant breaks, print fast-check's seed and path and save the shrunk
 * counterexample as a fixture (so the bug, once found, stays found).
 */
import { sha256Hex } from '../src/core/hash.ts';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Protocol } from '../src/core/types.ts';
import { type ScenarioShape, DEFAULT_SHAPE } from '../src/adversary/arbitraries.ts';
import { huntWithFastCheck } from '../src/search/fastcheck.ts';
import { campaignShape } from '../src/api/campaign.ts';
import { createProtocol } from '../src/protocols/registry.ts';
import { guidedCampaign } from '../src/search/guided.ts';
import { randomScheduler } from '../src/search/random.ts';
import { measured, roundsCampaign } from '../src/search/scheduler.ts';
import { FIXTURE_FORMAT, writeFixture } from '../src/trace/fixture.ts';

export const FIXTURE_ROOT = join(import.meta.dirname, '..', 'fixtures');

/**
 * Where a failing property writes its counterexample: a fresh temporary directory, never
 * the repository (a failing run must not leave files that later runs would replay).
 */
export function failureDir(): string {
  return mkdtempSync(join(tmpdir(), 'consensus-harness-found-'));
}

/**
 * Run `numRuns` fast-check scenarios; throw a readable error (and write a fixture to a
 * temporary directory, whose path the error prints with the replay command) on failure.
 */
export function expectSurvives<S, M>(protocol: Protocol<S, M>, options: { seed: number; numRuns: number; shape?: ScenarioShape }): void {
  const failure = huntWithFastCheck(protocol, { ...options, shape: options.shape ?? DEFAULT_SHAPE });
  if (failure === undefined) return;
  const v = failure.result.violation!;
  const actions = failure.result.actions;
  const hash = sha256Hex(JSON.stringify(actions)).slice(0, 8);
  const path = join(failureDir(), protocol.name, `found-${hash}.json`);
  writeFixture(path, {
    format: FIXTURE_FORMAT,
    protocol: protocol.name,
    mutant: protocol.mutant ?? null,
    config: failure.scenario.cfg,
    expect: { outcome: 'violates', invariant: v.invariant },
    story: `found by the property suite: ${v.detail}`,
    found: { by: 'fast-check', seed: failure.seed!, path: failure.path!, tape: failure.scenario.tape },
    actions,
  });
  throw new Error(
    `${protocol.name}${protocol.mutant ? `/${protocol.mutant}` : ''}: ${v.invariant} broken at step ${v.step}: ${v.detail}\n` +
      `  fast-check seed ${failure.seed}, path ${failure.path} (npm run cli -- replay --seed ${failure.seed} --path ${failure.path})\n` +
      `  shrunk counterexample (${actions.length} actions) saved as ${path}\n` +
      `  replay it: npm run cli -- replay ${path}\n  explain it: npm run cli -- explain ${path}\n` +
      '  (if it is a real finding, copy it under fixtures/ with a one-line story so it stays found)',
  );
}

const ROOT = join(import.meta.dirname, '..');

export interface DocBlock { readonly doc: string; readonly file: string; readonly code: string }

/** The ```ts blocks of the README and docs/, each with the file name it is saved as. */
export function docBlocks(): DocBlock[] {
  const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: DocBlock[] = [];
  for (const doc of docs) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    let k = 0;
    for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      const code = m[1]!;
      const named = /^\/\/ file: (\S+)\n/.exec(code);
      out.push({ doc, file: named ? named[1]! : `${doc.replace(/\W/g, '_')}-${k++}.ts`, code });
    }
  }
  return out;
}


/**
 * Distinct abstract cluster states reached by guided search and by uniform delivery over the
 * same `runs` scenarios of one seed (the fuzz command's shape; uniform coverage counted by
 * `measured`, rounds of 50 for guided), with the runs each made.
 */
export function guidedAndUniformCoverage(protocol: string, seed: string, runs: number): { guided: { runs: number; covered: number }; uniform: { runs: number; covered: number } } {
  const guided = guidedCampaign(createProtocol(protocol), { seed, start: 0, end: runs, shape: campaignShape(), keepGoing: true });
  const uniform = roundsCampaign(createProtocol(protocol), measured(randomScheduler(seed, campaignShape({ strategy: 'uniform' }))), { start: 0, end: runs, keepGoing: true });
  return { guided, uniform };
}
