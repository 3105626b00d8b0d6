/**
 * The chart that explains (issue 10, item 5). A plain part: every fixture's chart is one
 * self-contained page (no URL, no external script or style), the same fixture gives the same
 * bytes, and every delivered message's arrow carries a label. A browser part: headless Chromium
 * (Debian's `chromium`, driven by playwright-core) opens a fixture's chart from os.tmpdir(), finds
 * the message labels (the Byzantine one marked), the broken invariant's name and detail, and steps
 * the cursor by keyboard and slider, checking the state panel against node views obtained here by
 * an independent replay; it saves a screenshot into os.tmpdir() and prints its path.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeView } from '../src/core/types.ts';
import { defineProtocol } from '../src/core/define.ts';
import { createProtocol } from '../src/protocols/registry.ts';
import { type Fixture, type ProtocolResolver, readFixture } from '../src/trace/fixture.ts';
import { runActions } from '../src/check/execute.ts';
import { sequenceChart } from '../src/trace/chart.ts';
import streamlet from '../examples/streamlet/protocol.ts';
import { FIXTURE_ROOT } from './support.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

// A protocol written with the public API too (its view has no lock, its messages its own describe).
const EXAMPLES: Record<string, ProtocolResolver> = {
  streamlet: (_name, mutant) => defineProtocol(streamlet(mutant ?? undefined), mutant ?? undefined),
};
const resolverOf = (protocol: string): ProtocolResolver => EXAMPLES[protocol] ?? (createProtocol as ProtocolResolver);

function chartOf(fx: Fixture, title = 'chart'): string {
  return sequenceChart(resolverOf(fx.protocol)(fx.protocol, fx.mutant), fx.config, fx.actions, title);
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The SVG of one layout ("folded" or "full") inside a page. */
function svgOf(html: string, name: string): string {
  const start = html.indexOf(`<svg id="chart-${name}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</svg>', start));
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('chart: one self-contained, deterministic page', () => {
  const REPO = join(FIXTURE_ROOT, '..');
  const files = [...jsonFiles(FIXTURE_ROOT), ...Object.keys(EXAMPLES).flatMap((name) => jsonFiles(join(REPO, 'examples', name, 'fixtures')))];

  it('every fixture: no URL, no external resource, every delivered arrow labelled, the violation named', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const where = relative(REPO, file);
      const fx = readFixture(file, (protocol, mutant) => resolverOf(protocol)(protocol, mutant));
      const html = chartOf(fx, where);
      expect(html, where).not.toMatch(/https?:|\/\/[a-z0-9]|<link|@import|\bsrc=|\bhref=/i);
      expect(html.match(/url\([^)]*\)/g)?.every((u) => u.startsWith('url(#')) ?? true, where).toBe(true);
      expect(count(html, /<script/g), where).toBe(2); // the data block and the inline script
      // The unfolded layout when there is a tail, else the only one: every arrow with a head has its label.
      const svg = svgOf(html, 'full') || svgOf(html, 'folded');
      const heads = count(svg, /<line [^>]*marker-end=/g);
      const labels = count(svg, /<text class="label(?: byz-label)?"/g);
      expect(labels, `${where}: labels`).toBe(heads);
      // Every recorded delivery is drawn, the one whose reducer threw included (the run may add a synchronous tail).
      expect(heads, `${where}: delivered arrows`).toBeGreaterThanOrEqual(fx.actions.filter((a) => a.kind === 'deliver').length);
      // The name here; the detail is compared with an independent replay in the browser test.
      if (fx.expect.outcome === 'violates') expect(svg, where).toMatch(new RegExp(`id="violation"[^>]*><tspan[^>]*>${fx.expect.invariant} broken</tspan><tspan`));
      else expect(svg, where).not.toContain('id="violation"');
    }
  });

  it('the same fixture gives the same bytes (fresh protocol instances)', () => {
    for (const name of ['tendermint/mutant-pol-unchecked.json', 'tendermint/mutant-lock-ignored.json', 'hotstuff/mutant-commit-on-2-chain.json', 'pow/mutant-fork-choice-by-height.json']) {
      const fx = readFixture(join(FIXTURE_ROOT, name));
      const first = chartOf(fx, name);
      expect(chartOf(readFixture(join(FIXTURE_ROOT, name)), name), name).toBe(first);
      expect(first.length, name).toBeGreaterThan(1000);
    }
  });
});

describe('chart in headless Chromium', () => {
  const name = 'tendermint/mutant-pol-unchecked.json';
  const fx = readFixture(join(FIXTURE_ROOT, name));
  const protocol = createProtocol(fx.protocol, fx.mutant);
  // The views every node should show at each cursor position, by an independent replay.
  const views: NodeView[][] = [];
  const result = runActions(protocol, fx.config, fx.actions, { observe: (_i, _a, w) => views.push(w.states.map((s) => protocol.view(s))) });
  let browser: Browser | undefined;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`the chart test needs Chromium and found none at ${CHROMIUM}: install it with ` +
        '`sudo apt-get update && sudo apt-get install -y chromium` (Debian; .ci/run does this), or set CHROMIUM_PATH to a Chromium binary');
    }
    const file = join(mkdtempSync(join(tmpdir(), 'chart-')), 'chart.html');
    writeFileSync(file, chartOf(fx, name));
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href);
  }, 60_000); // launching takes ~3 s; room for a loaded machine

  afterAll(async () => {
    await browser?.close();
  });

  /** The state panel: per node, [height, round, step, lock]. */
  const panel = () => page.$$eval('#state tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 5).map((td) => td.textContent)));
  const expected = (k: number) => views[k]!.map((v) => [String(v.height), String(v.round), v.step, v.lock === '-' ? 'none' : 'locked']);
  const normalise = (rows: (string | null)[][]) => rows.map(([h, r, s, l]) => [h, r, s, l === 'none' ? 'none' : 'locked']);
  const cursorY = async () => page.getAttribute(await page.isVisible('#chart-full') ? '#cursor-full' : '#cursor-folded', 'y1');

  it('shows the message labels, the Byzantine one marked, and the broken invariant next to its step', async () => {
    const v = result.violation!;
    expect(v.invariant).toBe('prevote-backed');
    // Folded by default: the synchronous tail is one band; unfolding shows its arrows and labels.
    await expect(page.isVisible('#chart-folded')).resolves.toBe(true);
    expect(await page.textContent('#chart-folded .tailtext')).toMatch(/synchronous tail after GST: \d+ actions/);
    const foldedLabels = await page.locator('#chart-folded text.label').count();
    await page.click('#fold');
    await expect(page.isVisible('#chart-full')).resolves.toBe(true);
    await expect(page.isVisible('#chart-folded')).resolves.toBe(false);
    const labels = await page.locator('#chart-full text.label').allTextContents();
    expect(labels.length).toBeGreaterThan(foldedLabels);
    const inject = fx.actions.find((a) => a.kind === 'inject')!;
    const forged = protocol.describe(inject.kind === 'inject' ? inject.msg : undefined);
    expect(await page.locator('#chart-full text.byz-label').allTextContents()).toContain(forged);
    expect(labels).toContain('PREVOTE h0 r0 nil');
    expect(await page.locator('.legend').textContent()).toMatch(/Byzantine/);
    const shown = (await page.textContent('#chart-full #violation'))!;
    expect(shown).toContain('prevote-backed broken');
    expect(shown.replace(/\s+/g, '')).toContain(v.detail.replace(/\s+/g, ''));
    // Next to the violating step: on its row, as the gutter says.
    const rowY = await page.getAttribute(`#chart-full text.gutter[data-row="${v.step + 1}"]`, 'y');
    expect(Number(await page.getAttribute('#chart-full #violation', 'y'))).toBe(Number(rowY));
    await page.click('#fold');
    expect(errors).toEqual([]);
  });

  it('stepping by keyboard and by slider moves the cursor and shows every node\'s state at it', async () => {
    await page.keyboard.press('Home');
    expect(await page.textContent('#at')).toMatch(/^\[0\/\d+\] start/);
    expect(normalise(await panel())).toEqual(expected(0));
    const y0 = await cursorY();
    // The first action that changes some node's view: one key press must show the change.
    const k = views.findIndex((w, i) => i > 0 && JSON.stringify(w) !== JSON.stringify(views[i - 1]));
    expect(k).toBeGreaterThan(0);
    for (let i = 0; i < k - 1; i++) await page.keyboard.press('ArrowRight');
    const before = await panel();
    expect(normalise(before)).toEqual(expected(k - 1));
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('#at')).toMatch(new RegExp(`^\\[${k}/`));
    const after = await panel();
    expect(normalise(after)).toEqual(expected(k));
    expect(after).not.toEqual(before);
    expect(await page.locator('#state td.chg').count()).toBeGreaterThan(0);
    expect(await cursorY()).not.toBe(y0);
    await page.keyboard.press('ArrowLeft');
    expect(normalise(await panel())).toEqual(expected(k - 1));
    // The slider: jump to the violating step; the panel shows the broken invariant.
    const last = views.length - 1;
    await page.locator('#slider').fill(String(last));
    expect(await page.textContent('#at')).toMatch(new RegExp(`^\\[${last}/${last}\\]`));
    expect(normalise(await panel())).toEqual(expected(last));
    expect(await page.textContent('#viol')).toContain('prevote-backed broken');
    await page.locator('#slider').fill('1');
    expect(normalise(await panel())).toEqual(expected(1));
    await page.keyboard.press('End');
    expect(await page.inputValue('#slider')).toBe(String(last));
    // A click on a row's gutter puts the cursor there.
    await page.click('#chart-folded text.gutter[data-row="2"]');
    expect(await page.textContent('#at')).toMatch(/^\[2\//);
    expect(normalise(await panel())).toEqual(expected(2));
    await page.keyboard.press('End');
    await page.click('#fold');
    const shot = join(mkdtempSync(join(tmpdir(), 'chart-shot-')), 'mutant-pol-unchecked.png');
    await page.screenshot({ path: shot });
    console.log(`chart screenshot: ${shot}`);
    expect(existsSync(shot)).toBe(true);
    expect(errors).toEqual([]);
  });
});
