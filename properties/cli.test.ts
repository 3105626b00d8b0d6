/**
 * The command line as users meet it: help on every command, clear errors with exit code
 * 2 for bad input, and fuzz results that do not depend on the number of worker threads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromItf } from '../src/trace/itf.ts';

const ROOT = join(import.meta.dirname, '..');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('cli', () => {
  it('--help works on every command', () => {
    for (const cmd of [[], ['fuzz'], ['replay'], ['explain'], ['list'], ['check']]) {
      const r = cli(...cmd, '--help');
      expect(r.code, `${cmd.join(' ')} --help`).toBe(0);
      expect(r.out).toMatch(/usage/);
    }
  });

  it('bad input is exit 2 with a message that names it', () => {
    expect(cli('frobnicate')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command "frobnicate"/) });
    expect(cli('fuzz', '--protocol', 'paxos')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown protocol "paxos"/) });
    expect(cli('fuzz', '--mutant', 'nope')).toMatchObject({ code: 2, err: expect.stringMatching(/no mutant "nope"/) });
    expect(cli('fuzz', '--runs', 'many')).toMatchObject({ code: 2, err: expect.stringMatching(/--runs: expected an integer/) });
    expect(cli('fuzz', '--deliver-share', '2')).toMatchObject({ code: 2, err: expect.stringMatching(/--deliver-share: expected a number from 0 to 1/) });
    const dir = mkdtempSync(join(tmpdir(), 'ch-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 1, protocol: 'tendermint', mutant: null, story: 's', expect: { outcome: 'holds' }, config: { n: 3, f: 1, byzantine: [], heights: 1, faults: {}, gstStepBound: 10 }, actions: [] }));
    expect(cli('replay', bad)).toMatchObject({ code: 2, err: expect.stringMatching(/bad\.json\.config: n=3 cannot tolerate f=1/) });
    writeFileSync(bad, '{ not json');
    expect(cli('explain', bad)).toMatchObject({ code: 2, err: expect.stringMatching(/not valid JSON/) });
  });

  it('replay checks a fixture and prints a fingerprint; explain prints the timeline', () => {
    const fx = join(ROOT, 'fixtures/tendermint/mutant-lock-not-set.json');
    const r = cli('replay', fx);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok .*violates precommit-locks .*fingerprint [0-9a-f]{16}/m);
    const e = cli('explain', fx);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/VIOLATION precommit-locks/);
    const chart = join(mkdtempSync(join(tmpdir(), 'ch-')), 'chart.html');
    expect(cli('explain', fx, '--chart', chart).code).toBe(0);
    const html = readFileSync(chart, 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).toMatch(/precommit-locks broken/);
    // One arrow per message that was delivered, dropped or left in flight.
    expect((html.match(/<line x1=/g) ?? []).length).toBeGreaterThan(5);
    const itf = join(mkdtempSync(join(tmpdir(), 'ch-')), 'run.itf.json');
    expect(cli('explain', fx, '--quiet', '--itf', itf).code).toBe(0);
    const parsed = fromItf(readFileSync(itf, 'utf8'));
    expect(parsed.actions).toEqual(JSON.parse(readFileSync(fx, 'utf8')).actions);
  });

  it('check --exhaustive finds a shallow mutant at its minimal depth and saves a fixture that replays', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ch-')), 'bfs.json');
    const r = cli('check', '--exhaustive', '--depth', '4', '--mutant', 'lock-not-set', '--out', out);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/precommit-locks violated at depth 4/);
    expect(cli('replay', out)).toMatchObject({ code: 0, out: expect.stringMatching(/^ok .*violates precommit-locks/m) });
    expect(cli('check', '--exhaustive', '--depth', '5', '--n', '3')).toMatchObject({ code: 0, out: expect.stringMatching(/no violation up to depth 5[\s\S]*\d+ distinct/) });
    expect(cli('check', '--depth', '3')).toMatchObject({ code: 2, err: expect.stringMatching(/give --exhaustive/) });
  });

  it('fuzz finds the same failure with 1 or 2 worker threads', () => {
    // The default strategy (guided) shares its corpus between rounds: a kill after many rounds
    // tests that. valid-unchecked under guided search, seeds search-1..6: median 3,681, worst
    // 7,315 runs (bench/search.ts --mutants valid-unchecked --n 4 --strategies guided --seeds 6);
    // this seed: 5,498. Budget 20,000.
    const args = ['fuzz', '--mutant', 'valid-unchecked', '--runs', '20000', '--seed', 'cli', '--no-write', '--progress', '0'];
    const one = cli(...args, '--workers', '1');
    const two = cli(...args, '--workers', '2');
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(two.out).toBe(one.out);
    expect(one.out).toMatch(/RESULT: [a-z-]+ broken after \d+ scenario/);
  });
});

describe('fast-check counterexamples replay from the command fuzz prints', () => {
  // The replay line omits the flags --mutant turned on (--reboots 2 here): replay must turn them
  // on the same way, or the path walks a different arbitrary ("Unable to replay, got wrong path").
  it('for a mutant whose needs fuzz turned on', () => {
    const found = cli('fuzz', '--engine', 'fast-check', '--mutant', 'vote-before-persist', '--runs', '300', '--no-write', '--progress', '0');
    expect(found.code).toBe(1);
    const line = found.out.split('\n').find((l) => l.includes('fast-check replay:'));
    expect(line).toBeDefined();
    const args = line!.slice(line!.indexOf(' replay ') + 1).trim().split(/\s+/);
    const again = cli(...args);
    expect(again.err).toBe('');
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/mutant vote-before-persist/);
  });
});

describe('fuzz --mutant turns on what the mutant needs of the adversary', () => {
  it('crash-recovery mutants get reboots, liveness mutants post-GST behaviour, the others the shape as given', async () => {
    const { PROTOCOLS } = await import('../src/protocols/registry.ts');
    const { withMutantNeeds } = await import('../src/cli/options.ts');
    const { DEFAULT_SHAPE } = await import('../src/adversary/arbitraries.ts');
    const needs = (p: string, m: string) => PROTOCOLS[p]!.mutants.find((x) => x.name === m)?.needs;
    expect(needs('tendermint', 'vote-before-persist')).toBe('reboots');
    expect(needs('hotstuff', 'forgets-last-voted-view')).toBe('reboots');
    expect(needs('tendermint', 'prevote-needs-all-prevotes')).toBe('post-gst');
    expect(needs('ibft', 'round-change-needs-all')).toBe('post-gst');
    expect(needs('tendermint', 'lock-ignored')).toBeUndefined();
    const info = (p: string, m: string) => PROTOCOLS[p]!.mutants.find((x) => x.name === m);
    const durable = withMutantNeeds(DEFAULT_SHAPE, info('tendermint', 'vote-before-persist'));
    expect(durable.shape.maxFaults.reboots).toBe(2);
    expect(durable.note).toContain('--reboots 2');
    expect(durable.shape.deliverShare).toBe(0.75);
    // A deliver share the user chose is kept.
    expect(withMutantNeeds({ ...DEFAULT_SHAPE, deliverShare: 0.2 }, info('tendermint', 'vote-before-persist')).shape.deliverShare).toBe(0.2);
    const live = withMutantNeeds(DEFAULT_SHAPE, info('qbft', 'round-change-needs-all'));
    expect(live.shape.postGst).toBe(true);
    expect(live.note).toContain('--post-gst');
    // A shape that has it already is left alone, and so is a mutant that needs nothing.
    expect(withMutantNeeds(live.shape, info('qbft', 'round-change-needs-all')).note).toBeUndefined();
    expect(withMutantNeeds(DEFAULT_SHAPE, info('tendermint', 'lock-ignored')).shape).toBe(DEFAULT_SHAPE);
  });
});
