/**
 * consensus-harness/vitest: one line per property in a user's test suite.
 *
 *   protocolProperty('safe and live under faults', myProtocol, { runs: 5000, n: [4, 7] });
 *   replayFixtures('fixtures/my-protocol', myProtocol);
 *
 * A failing property prints the shrunk counterexample as the explain timeline, writes the
 * fixture (to `fixturesDir`, default a fresh temporary directory) and the command that
 * replays it. A witness (sometimes-property) that no run reached fails the test too,
 * unless `witnesses: 'report'`.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'vitest';
import { type FuzzOptions, fixtureFileName, fuzz } from './api/campaign.ts';
import { type ProtocolSource, explain, readFixture, replay } from './api/run.ts';
import { writeFixture } from './trace/fixture.ts';

export interface PropertyOptions extends FuzzOptions {
  /** Cluster sizes to draw from (shorthand for shape.sizes). */
  readonly n?: readonly number[];
  /** Where a failure's fixture goes (default: a fresh temporary directory, printed). */
  readonly fixturesDir?: string;
  /** Fail when a witness is never reached (default 'require'), or only print it ('report'). */
  readonly witnesses?: 'require' | 'report';
  /** vitest timeout for this property, ms (default 120,000). */
  readonly timeout?: number;
  /** Lines of the explain timeline in the failure message (default 60, the end of the run). */
  readonly explainLines?: number;
}

/**
 * One vitest test: a fuzz campaign on `protocol` (a protocol, a spec or a factory of either;
 * or a built-in name / module path, which worker threads can load) that fails with the shrunk counterexample explained.
 */
export function protocolProperty(title: string, protocol: ProtocolSource | string, options: PropertyOptions = {}): void {
  it(title, async () => {
    const shape = { ...options.shape, ...(options.n ? { sizes: options.n } : {}) };
    const report = await fuzz(protocol, { ...options, shape, progressEvery: 0 });
    const problems: string[] = [];
    for (const f of report.failures) {
      const fx = f.fixture;
      if (fx === undefined) {
        problems.push(`${f.signature} (${f.occurrences} scenario(s), not shrunk)`);
        continue;
      }
      const dir = options.fixturesDir ?? mkdtempSync(join(tmpdir(), 'consensus-harness-'));
      const path = join(dir, fixtureFileName(fx));
      writeFixture(path, fx);
      const source: ProtocolSource | undefined = typeof protocol === 'string' ? undefined : protocol;
      const lines = typeof protocol === 'string' ? [] : explain(fx, source, { quiet: false, foldTail: true }).lines;
      const keep = options.explainLines ?? 60;
      const shown = lines.length > keep ? [`... (${lines.length - keep} earlier lines)`, ...lines.slice(-keep)] : lines;
      const protoFlag = typeof protocol === 'string' && !/^[a-z0-9-]+$/.test(protocol) ? ` --protocol ${protocol}` : '';
      problems.push([
        `${f.invariant} broken in ${f.occurrences} scenario(s) (first: scenario ${f.indices[0]} of seed ${JSON.stringify(report.seed)}): ${f.detail}`,
        `shrunk to ${fx.actions.length} actions; fixture: ${path}`,
        `replay it: npx consensus-harness replay${protoFlag} ${path}`,
        ...(f.fastCheck ? [`fast-check seed ${f.fastCheck.seed}, path ${f.fastCheck.path}`] : []),
        ...shown.map((l) => `  ${l}`),
      ].join('\n'));
    }
    if (report.neverWitnessed.length > 0) {
      const text = `never reached in ${report.runs} runs: ${report.neverWitnessed.join(', ')} (what they are about was not tested)`;
      if (options.witnesses === 'report') console.warn(`${title}: ${text}`);
      else problems.push(text);
    }
    if (problems.length > 0) throw new Error(`${report.protocol}${report.mutant ? ` (mutant ${report.mutant})` : ''}: ${problems.join('\n\n')}`);
  }, options.timeout ?? 120_000);
}

/** Every fixture (*.json, recursively) under `dir` becomes a test: it must replay as it expects. */
export function replayFixtures(dir: string, source?: ProtocolSource): void {
  const files = readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  describe(`fixtures in ${dir}`, () => {
    it('the directory holds fixtures', () => {
      if (files.length === 0) throw new Error(`no *.json fixtures under ${dir}`);
    });
    for (const file of files) {
      it(relative(dir, file), () => {
        const fx = readFixture(file, source);
        const r = replay(fx, source);
        if (r.mismatch !== undefined) throw new Error(`${file}: ${r.mismatch}${r.drift ? `\n${r.drift}` : ''}`);
      });
    }
  });
}
