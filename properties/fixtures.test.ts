/**
 * The regression corpus: every fixture under fixtures/ is replayed from its explicit
 * action list and must end as it says (holds, or the named invariant breaks at its last
 * action). Replaying twice must give a byte-identical timeline and final state.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProtocol } from '../src/protocols/registry.ts';
import { expectationMismatch, readFixture } from '../src/trace/fixture.ts';
import { timeline } from '../src/trace/explain.ts';
import { FIXTURE_ROOT } from './support.ts';

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const files = fixtureFiles(FIXTURE_ROOT);

describe('fixtures replay as expected', () => {
  it('the corpus is not empty', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(relative(FIXTURE_ROOT, file), () => {
      const fx = readFixture(file);
      const protocol = createProtocol(fx.protocol, fx.mutant);
      const first = timeline(protocol, fx.config, fx.actions);
      expect(expectationMismatch(fx, first.result)).toBeUndefined();
      const second = timeline(createProtocol(fx.protocol, fx.mutant), fx.config, fx.actions);
      expect(second.lines.join('\n')).toBe(first.lines.join('\n'));
      expect(second.fingerprint).toBe(first.fingerprint);
    });
  }
});
