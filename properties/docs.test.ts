/**
 * The docs work when copied: every ```ts block of README.md and docs/*.md compiles against
 * the public API (a block starting "// file: NAME" is saved as NAME, so a test file can
 * import the protocol file of the walk-through). The package test runs the walk-through's
 * files against the installed package.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { docBlocks } from './support.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe('docs', () => {
  it('every TypeScript block in the README and docs/ type-checks against the public API', () => {
    const blocks = docBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const dir = mkdtempSync(join(tmpdir(), 'ch-docs-'));
    for (const b of blocks) writeFileSync(join(dir, b.file), b.code);
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { paths: { 'consensus-harness': [join(ROOT, 'src/index.ts')], 'consensus-harness/vitest': [join(ROOT, 'src/vitest.ts')] }, noUnusedLocals: false },
      include: ['*.ts'],
    }));
    let output = '';
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      output = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
    }
    expect(output, `documentation code does not compile (blocks saved in ${dir})`).toBe('');
  });
});
