/**
 * What a user gets: the package built and packed (npm pack), installed into a scratch
 * project in a temporary directory (offline: the tarball, plus the dependencies this
 * repository already installed, linked as npm would place them), then used there: the
 * API and the vitest helpers from a test file, the `consensus-harness` command on a
 * protocol module, and the examples' own tests against the installed package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { docBlocks } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
const TMP = mkdtempSync(join(tmpdir(), 'ch-pack-'));
const APP = join(TMP, 'app');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let tarball = '';

beforeAll(() => {
  // Build and pack a copy, so nothing is written into the repository (dist/ included).
  const pkg = join(TMP, 'pkg');
  mkdirSync(pkg);
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'src']) cpSync(join(ROOT, f), join(pkg, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: pkg, stdio: 'pipe' });
  const out = execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', TMP], { cwd: pkg, encoding: 'utf8' });
  tarball = join(TMP, (JSON.parse(out) as { filename: string }[])[0]!.filename);
  // Install: unpack where npm would put it, link its dependencies and the test tools.
  const modules = join(APP, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', modules]);
  renameSync(join(modules, 'package'), join(modules, 'consensus-harness'));
  const manifest = JSON.parse(readFileSync(join(modules, 'consensus-harness', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of [...Object.keys(manifest.dependencies), 'vitest', 'tsx']) {
    mkdirSync(join(modules, dep, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep), 'dir');
  }
  // As npm does when it links a package's bin: a symlink in .bin, made executable.
  symlinkSync('../consensus-harness/dist/cli/bin.js', join(modules, '.bin', 'consensus-harness'));
  chmodSync(join(modules, 'consensus-harness', 'dist', 'cli', 'bin.js'), 0o755);
  writeFileSync(join(APP, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
}, 120_000);

describe('the packed package, installed in a scratch project', () => {
  it('ships compiled JavaScript, type declarations, the bin and the README, and no sources or tests', () => {
    const list = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(list).toContain('package/dist/index.js');
    expect(list).toContain('package/dist/index.d.ts');
    expect(list).toContain('package/dist/vitest.js');
    expect(list).toContain('package/dist/cli/bin.js');
    expect(list).toContain('package/README.md');
    expect(list.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(list.some((f) => f.includes('properties/') || f.includes('fixtures/'))).toBe(false);
  });

  it('a user test file imports the API and the vitest helpers and runs', () => {
    writeFileSync(join(APP, 'echo.test.mjs'), [
      "import { defineProtocol, transition, fuzz } from 'consensus-harness';",
      "import { protocolProperty } from 'consensus-harness/vitest';",
      "import { expect, it } from 'vitest';",
      'const echo = (bug) => defineProtocol({',
      "  name: 'leader-echo',",
      '  node: {',
      "    init: (self) => ({ state: { decided: false }, effects: self === 0 ? [{ kind: 'broadcast', msg: { value: 'v0' } }] : [] }),",
      "    onMessage: (s, from, m) => s.decided || (from !== 0 && !bug) ? { state: s, effects: [] } : { state: { decided: true }, effects: [{ kind: 'decide', height: 0, value: m.value }] },",
      '  },',
      "  byzantineMessages: () => [{ value: 'forged' }],",
      "  properties: [transition('leader-value', 'decide only the leader value', (t) => t.effects.some((e) => e.kind === 'decide' && t.input.from !== 0) ? 'not from the leader' : undefined)],",
      '}, bug);',
      "protocolProperty('echo is safe without Byzantine nodes', echo(), { runs: 200, shape: { byzantine: false, maxHeights: 1 } });",
      "it('the planted bug is found', async () => {",
      "  const report = await fuzz(echo('any-sender'), { runs: 1000, shape: { maxHeights: 1 } });",
      "  expect(report.failures[0].invariant).toBe('leader-value');",
      '});',
    ].join('\n'));
    const r = run(process.execPath, [join(APP, 'node_modules/vitest/vitest.mjs'), 'run', 'echo.test.mjs'], APP);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/2 passed/);
  });

  it('npx consensus-harness: help, a fuzz campaign on a protocol module (worker threads), replay of its fixture', () => {
    const bin = join(APP, 'node_modules/.bin/consensus-harness');
    expect(run(bin, ['--help'], APP)).toMatchObject({ code: 0, out: expect.stringMatching(/usage: consensus-harness/) });
    writeFileSync(join(APP, 'min-id.mjs'), [
      'export default { name: "min-id", node: {',
      '  init: (self, cfg) => ({ state: { need: cfg.n - cfg.f, heard: [], decided: false }, effects: [{ kind: "broadcast", msg: { id: self } }] }),',
      '  onMessage(s, from, m) {',
      '    if (s.decided || s.heard.includes(m.id)) return { state: s, effects: [] };',
      '    const heard = [...s.heard, m.id];',
      '    if (heard.length < s.need) return { state: { ...s, heard }, effects: [] };',
      '    return { state: { ...s, heard, decided: true }, effects: [{ kind: "decide", height: 0, value: String(Math.min(...heard)) }] };',
      '  } } };',
    ].join('\n'));
    const f = run(bin, ['fuzz', '--protocol', './min-id.mjs', '--runs', '400', '--heights', '1', '--workers', '2', '--progress', '0', '--out', 'found.json'], APP);
    expect(f.code, f.out + f.err).toBe(1);
    expect(f.out).toMatch(/RESULT: agreement broken/);
    const r = run(bin, ['replay', '--protocol', './min-id.mjs', 'found.json'], APP);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^ok .*violates agreement/m);
    // The built-in protocols come with the package.
    expect(run(bin, ['fuzz', '--runs', '200', '--progress', '0', '--workers', '1'], APP)).toMatchObject({ code: 0, out: expect.stringMatching(/every invariant held in 200/) });
  });

  it('the README walk-through works when copied: its protocol and test file pass against the installed package', () => {
    const files = docBlocks().filter((b) => b.doc === 'README.md' && /^vote/.test(b.file));
    expect(files.map((b) => b.file).sort()).toEqual(['vote.test.ts', 'vote.ts']);
    for (const b of files) writeFileSync(join(APP, b.file), b.code);
    const r = run(process.execPath, [join(APP, 'node_modules/vitest/vitest.mjs'), 'run', 'vote.test.ts'], APP);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/2 passed/);
    // And the CLI on the TypeScript module, through tsx.
    const bin = join(APP, 'node_modules/.bin/consensus-harness');
    // The README's command lines, run as written (fuzz, explain, replay of what fuzz wrote).
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const lines = [...readme.matchAll(/^npx consensus-harness ((?:fuzz|explain|replay) --protocol \.\/vote\.ts[^#\n]*?)\s*(?:#.*)?$/gm)].map((m) => m[1]!.split(' '));
    expect(lines.length, 'the README shows fuzz, explain and replay for the walk-through').toBeGreaterThanOrEqual(3);
    for (const args of lines.slice(0, 3)) {
      const r = run(bin, [...args, ...(args[0] === 'fuzz' ? ['--progress', '0'] : [])], APP);
      if (args[0] === 'fuzz') {
        expect(r.code, r.out + r.err).toBe(1);
        expect(r.out).toMatch(/RESULT: [a-z-]+ broken/);
      } else expect(r.code, `${args.join(' ')}: ${r.out}${r.err}`).toBe(0);
    }
  });

  it("the examples' tests pass against the installed package", () => {
    const examples = join(ROOT, 'examples');
    if (!existsSync(examples)) return;
    const dirs = readdirSync(examples, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const tests = readdirSync(examples, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && /\.test\.[mc]?[jt]s$/.test(e.name));
    if (tests.length === 0) return;
    for (const d of dirs) cpSync(join(examples, d), join(APP, 'examples', d), { recursive: true });
    const r = run(process.execPath, [join(APP, 'node_modules/vitest/vitest.mjs'), 'run', 'examples'], APP);
    expect(r.code, r.out + r.err).toBe(0);
  });
});
