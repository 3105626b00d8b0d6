import type { ClusterConfig, NodeView, Protocol } from '../core/types.ts';
import type { Action } from '../sim/actions.ts';
import type { StepRecord } from '../sim/step.ts';
import { type World, describeTimer, instanceCount, isByzantine } from '../sim/world.ts';
import { runActions } from '../check/execute.ts';
import type { Violation } from '../check/invariants.ts';
import { describeAction } from './explain.ts';

/**
 * A message sequence chart of a run as one self-contained HTML page (inline SVG, one inline
 * script, no network): a column per node (twins after the nodes), a row per action, an arrow
 * from the step a message was sent to the step it was delivered, labelled with the message;
 * Byzantine senders' arrows in purple; drops end in a red cross; messages still in flight at
 * the end run off the bottom. Each node's height / round / step / lock changes, timers and
 * decisions are marked on its lifeline; GST is a band and the synchronous tail after it is
 * folded into one band (a button unfolds it, as `explain --tail` does for the text); the
 * broken invariant's name and detail stand next to the violating step. A cursor steps through
 * the run (slider, arrow keys, or a click on a row) and a panel shows every node's view at
 * the cursor. The page depends only on the run: the same fixture gives the same bytes.
 */
export function sequenceChart<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, actions: readonly Action<M>[], title: string): string {
  const run = collect(protocol, cfg, actions);
  const layouts: Layout[] = [layout(run, true)];
  if (run.tail.count > 0) layouts.push(layout(run, false));
  const svgs = layouts.map((l) => renderSvg(run, cfg, l));
  const v = run.violation;
  const verdict = v === undefined ? 'every invariant held' : `${v.invariant} broken at step ${v.step}: ${v.detail}`;
  const data = {
    names: run.names,
    rows: run.rows.map((r) => r.text),
    notes: run.rows.map((r) => r.notes),
    changes: run.changes,
    violationRow: v === undefined ? -1 : v.step + 1,
    violation: v === undefined ? '' : `${v.invariant} broken: ${v.detail}`,
    y: Object.fromEntries(layouts.map((l) => [l.name, l.rowY])),
    tail: run.tail.count > 0 ? [run.tail.first, run.tail.last] : null,
  };
  const last = run.rows.length - 1;
  const toggle = run.tail.count > 0
    ? `<button id="fold" type="button">unfold the synchronous tail (${run.tail.count} actions)</button>`
    : '';
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${esc(title)}</title>\n<style>${STYLE}</style></head>\n<body>\n` +
    `<h3>${esc(title)}</h3>\n<p id="verdict" class="${v === undefined ? 'ok' : 'bad'}">${esc(verdict)}</p>\n${LEGEND}\n` +
    `<div id="controls"><label>step <input id="slider" type="range" min="0" max="${last}" value="0" step="1"></label> ` +
    `<button id="prev" type="button">&#9664;</button><button id="next" type="button">&#9654;</button> ${toggle}` +
    ' <span class="hint">arrow keys step, Home / End jump, click a row to go there</span>\n' +
    `<div id="panel"><div id="at"></div><table id="state"><thead><tr><th>node</th><th>height</th><th>round</th><th>step</th><th>lock</th><th>decisions</th><th></th></tr></thead><tbody></tbody></table><div id="notes"></div></div></div>\n` +
    `${svgs.join('\n')}\n` +
    `<script type="application/json" id="chart-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>\n` +
    `<script>${SCRIPT}</script>\n</body></html>\n`;
}

/** One node's view as the panel shows it: height, round, step, lock, decisions, status. */
type ViewRow = [number, number, string, string, string, string];

interface Arrow {
  readonly src: number;
  readonly to: number;
  readonly from: number;
  readonly until: number;
  readonly label: string;
  readonly full: string;
  readonly fate: 'delivered' | 'dropped' | 'in flight';
  readonly byzantine: boolean;
}

type MarkKind = 'state' | 'lock' | 'timer' | 'decide' | 'fault' | 'byzantine';
interface MarkPart { readonly kind: MarkKind; readonly text: string; readonly full: string }

interface Row {
  /** What happened, in explain's words (describeAction). */
  readonly text: string;
  /** The gutter: index and kind. */
  readonly gutter: string;
  /** Per node, what changed ("node 1: timeoutPrevote -> precommit"), for the panel. */
  readonly notes: string[];
  readonly gst: boolean;
}

interface Run {
  readonly names: string[];
  /** Row 0 is the start (every node's init); row i+1 is action i. */
  readonly rows: Row[];
  readonly arrows: Arrow[];
  /** marks[row] : node -> parts. */
  readonly marks: Map<number, MarkPart[]>[];
  /** Per row, the nodes whose view changed (row 0: every node), as [node, ...ViewRow]. */
  readonly changes: (number | string)[][][];
  /** The folded synchronous tail: rows first..last (inclusive), and the decisions taken in it. */
  readonly tail: { first: number; last: number; count: number; kinds: Map<string, number>; decisions: string[] };
  readonly violation: Violation | undefined;
}

/** Hex ids in messages and locks are long: six characters are enough to tell them apart in a chart. */
function shortIds(s: string): string {
  return s.replace(/\b[0-9a-f]{8,}\b/g, (h) => h.slice(0, 6));
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function viewRow(view: NodeView, decisions: readonly (string | undefined)[], crashed: boolean): ViewRow {
  const decided = decisions.map((d, h) => (d === undefined ? '' : `h${h}: ${shortIds(d)}`)).filter((s) => s !== '').join(', ');
  return [view.height, view.round, view.step, view.lock === '-' ? 'none' : shortIds(view.lock), decided === '' ? '-' : decided, crashed ? 'crashed' : ''];
}

/** What a transition changed in a node's view, compactly, for its lifeline (empty if nothing). */
function viewMarks(before: NodeView, after: NodeView): MarkPart[] {
  const parts: MarkPart[] = [];
  const moved: string[] = [];
  if (before.height !== after.height) moved.push(`h${after.height}`);
  if (before.round !== after.round) moved.push(`r${after.round}`);
  if (before.step !== after.step) moved.push(after.step);
  if (moved.length > 0) {
    parts.push({ kind: 'state', text: `-> ${moved.join(' ')}`, full: `height ${before.height} round ${before.round} ${before.step} -> height ${after.height} round ${after.round} ${after.step}` });
  }
  if (before.lock !== after.lock) {
    const lock = after.lock === '-' ? 'unlock' : `lock ${clip(shortIds(after.lock), 18)}`;
    parts.push({ kind: 'lock', text: lock, full: `lock ${before.lock === '-' ? 'none' : before.lock} -> ${after.lock === '-' ? 'none' : after.lock}` });
  }
  return parts;
}

function collect<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, actions: readonly Action<M>[]): Run {
  const columns = instanceCount(cfg);
  const names = Array.from({ length: columns }, (_, node) =>
    node < cfg.n ? `node ${node}${cfg.byzantine.includes(node) ? ' (Byzantine)' : ''}` : `twin of ${cfg.twins[node - cfg.n]}`);
  const sent = new Map<number, { src: number; to: number; step: number; label: string; full: string; byzantine: boolean }>();
  const arrows: Arrow[] = [];
  const rows: Row[] = [];
  const marks: Map<number, MarkPart[]>[] = [];
  const changes: (number | string)[][][] = [];
  const gstAt: boolean[] = [];
  let shown: string[] = [];
  let prev: World<S, M> | null = null;
  const mark = (row: number, node: number, part: MarkPart) => {
    const m = marks[row]!;
    m.set(node, [...(m.get(node) ?? []), part]);
  };
  /** What the action itself shows: a delivery or drop closes its arrow; a timer, fault, forgery or event marks its node. */
  const took = (row: number, action: Action<M>) => {
    if (action.kind === 'deliver' || action.kind === 'drop') {
      const e = sent.get(action.id);
      if (e !== undefined) {
        arrows.push({ src: e.src, to: e.to, from: e.step, until: row, label: e.label, full: e.full, byzantine: e.byzantine, fate: action.kind === 'deliver' ? 'delivered' : 'dropped' });
        sent.delete(action.id);
      }
    } else if (action.kind === 'fire') {
      const name = typeof action.timer.name === 'string' ? action.timer.name : describeTimer(action.timer);
      mark(row, action.node, { kind: 'timer', text: name, full: describeTimer(action.timer) });
    } else if (action.kind === 'crash' || action.kind === 'restart') mark(row, action.node, { kind: 'fault', text: action.kind, full: action.kind });
    else if (action.kind === 'inject') {
      const what = protocol.describe(action.msg);
      mark(row, action.from, { kind: 'byzantine', text: `forges ${clip(shortIds(what), 24)}`, full: `forges ${what} to node ${action.to}` });
    } else if (action.kind === 'event') mark(row, action.node, { kind: 'timer', text: action.event, full: action.event });
  };
  const observe = (index: number, action: Action<M> | null, w: World<S, M>, rec: StepRecord<S, M>) => {
    const row = index + 1;
    marks.push(new Map());
    // The synchronous network's actions (after GST) are the tail a reader folds away.
    gstAt.push(prev !== null && prev.gst);
    if (action === null || prev === null) rows.push({ text: 'start: every node runs init', gutter: 'start', notes: [], gst: false });
    else rows.push({ text: `action ${index}: ${describeAction(protocol, prev, action)}`, gutter: `${index} ${action.kind}`, notes: [], gst: action.kind === 'gst' });
    if (action !== null) took(row, action);
    for (const e of rec.sent) {
      const full = protocol.describe(e.msg);
      sent.set(e.id, { src: e.src, to: e.to, step: row, label: clip(shortIds(full), 30), full: `#${e.id} ${e.src}->${e.to} ${full}`, byzantine: isByzantine(cfg, e.src) });
    }
    for (const t of rec.transitions) {
      if (t.input.kind === 'init') continue;
      for (const p of viewMarks(protocol.view(t.before), protocol.view(t.after))) mark(row, t.node, p);
    }
    for (const d of rec.decided) mark(row, d.node, { kind: 'decide', text: `decides ${shortIds(d.value)}`, full: `decides ${d.value} at height ${d.height}` });
    for (const [node, parts] of marks[row]!) rows[row]!.notes.push(`${names[node]}: ${parts.map((p) => p.full).join('; ')}`);
    // The panel's data: only the nodes whose view changed (row 0: all of them).
    const now = w.states.map((s, node) => JSON.stringify(viewRow(protocol.view(s), w.decisions[node] ?? [], w.crashed[node] === true)));
    const changed: (number | string)[][] = [];
    now.forEach((r, node) => {
      if (r !== shown[node]) changed.push([node, ...(JSON.parse(r) as ViewRow)]);
    });
    changes.push(changed);
    shown = now;
    prev = w;
  };
  const result = runActions(protocol, cfg, actions, { observe });
  // An action whose reducer threw has no world after it: it still gets its row (the violation's).
  for (let index = rows.length - 1; index < result.actions.length; index++) {
    const a = result.actions[index]!;
    rows.push({ text: `action ${index}: ${prev === null ? a.kind : describeAction(protocol, prev, a)}`, gutter: `${index} ${a.kind}`, notes: [], gst: a.kind === 'gst' });
    marks.push(new Map());
    changes.push([]);
    gstAt.push(false);
    took(index + 1, a);
  }
  const end = rows.length;
  for (const e of sent.values()) arrows.push({ src: e.src, to: e.to, from: e.step, until: end, label: e.label, full: e.full, byzantine: e.byzantine, fate: 'in flight' });
  // Fold every action taken after GST but the run's last one (the violation or the end).
  const tail = { first: -1, last: -1, count: 0, kinds: new Map<string, number>(), decisions: [] as string[] };
  for (let row = 1; row < end - 1; row++) {
    if (!gstAt[row]) continue;
    if (tail.first < 0) tail.first = row;
    tail.last = row;
    tail.count++;
    const kind = result.actions[row - 1]!.kind;
    tail.kinds.set(kind, (tail.kinds.get(kind) ?? 0) + 1);
    for (const [node, parts] of marks[row]!) for (const p of parts) if (p.kind === 'decide') tail.decisions.push(`${names[node]} ${p.text}`);
  }
  return { names, rows, arrows, marks, changes, tail, violation: result.violation };
}

interface Layout {
  readonly name: 'folded' | 'full';
  readonly folded: boolean;
  /** y of each row's centre line. */
  readonly rowY: number[];
  /** y where messages still in flight end. */
  readonly endY: number;
}

const COL_W = 170;
const ROW_H = 24;
const LEFT = 96;
const TOP = 44;
const RIGHT = 520;
/** Where band and violation texts start: right of the last column's labels (which reach ~90 px past its column). */
const notesX = (columns: number) => LEFT + columns * COL_W + 90;
const x = (node: number) => LEFT + COL_W / 2 + node * COL_W;

function layout(run: Run, folded: boolean): Layout {
  const rowY: number[] = [];
  let slot = -1;
  run.rows.forEach((_, row) => {
    const inTail = folded && row >= run.tail.first && row <= run.tail.last;
    if (!(inTail && row > run.tail.first)) slot++;
    rowY.push(TOP + slot * ROW_H + ROW_H / 2);
  });
  return { name: folded ? 'folded' : 'full', folded: folded && run.tail.count > 0, rowY, endY: TOP + (slot + 1) * ROW_H + ROW_H / 2 };
}

function renderSvg(run: Run, cfg: ClusterConfig, l: Layout): string {
  const columns = instanceCount(cfg);
  const inTail = (row: number) => l.folded && row >= run.tail.first && row <= run.tail.last;
  const y = (row: number) => (row >= run.rows.length ? l.endY : l.rowY[row]!);
  const width = LEFT + columns * COL_W + RIGHT;
  const v = run.violation;
  const detailLines = v === undefined ? [] : wrap(v.detail, 62);
  const height = l.endY + ROW_H * 2 + detailLines.length * 14;
  const out: string[] = [];
  out.push(`<svg id="chart-${l.name}" class="chart" width="${width}" height="${height}"${l.name === 'full' ? ' style="display:none"' : ''}>`);
  out.push(`<defs><marker id="a-${l.name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>`);
  // Bands first, under everything: GST, the folded tail, the violation.
  run.rows.forEach((r, row) => {
    if (r.gst) {
      out.push(`<rect class="gst" x="0" y="${y(row) - ROW_H / 2}" width="${width}" height="${ROW_H}"/>`);
      out.push(`<text class="band" x="${notesX(columns)}" y="${y(row) + 4}">GST: the network turns synchronous</text>`);
    }
  });
  if (l.folded) {
    const row = run.tail.first;
    const kinds = [...run.tail.kinds].map(([k, c]) => `${c} ${k}`).join(', ');
    const decisions = run.tail.decisions.length ? `; ${run.tail.decisions.join(', ')}` : '';
    out.push(`<rect id="tail-band" class="tail" x="0" y="${y(row) - ROW_H / 2}" width="${width}" height="${ROW_H}"><title>click to unfold</title></rect>`);
    out.push(`<text class="band tailtext" x="${LEFT + 4}" y="${y(row) + 4}">synchronous tail after GST: ${run.tail.count} actions (${esc(kinds)}) in FIFO order, folded${esc(decisions)}</text>`);
  }
  if (v !== undefined) {
    const row = Math.min(v.step + 1, run.rows.length - 1);
    out.push(`<rect class="violation" x="0" y="${y(row) - ROW_H / 2}" width="${width}" height="${ROW_H}"/>`);
    const tx = notesX(columns);
    out.push(`<text id="violation" class="vtext" x="${tx}" y="${y(row) + 4}"><tspan font-weight="bold">${esc(`${v.invariant} broken`)}</tspan>` +
      detailLines.map((line, i) => `<tspan x="${tx}" dy="${i === 0 ? 16 : 14}">${esc(line)}</tspan>`).join('') + '</text>');
    if (v.node !== undefined && v.node < columns) out.push(`<circle class="vnode" cx="${x(v.node)}" cy="${y(row)}" r="9"/>`);
  }
  for (let node = 0; node < columns; node++) {
    out.push(`<text x="${x(node)}" y="${TOP - 18}" text-anchor="middle" font-weight="bold">${esc(run.names[node]!)}</text>`);
    out.push(`<line x1="${x(node)}" y1="${TOP - 10}" x2="${x(node)}" y2="${height - 10}" class="life"/>`);
  }
  run.rows.forEach((r, row) => {
    if (inTail(row) && row > run.tail.first) return;
    const text = inTail(row) ? `${row - 1}..${run.tail.last - 1} tail` : r.gutter;
    out.push(`<text class="gutter" data-row="${row}" x="4" y="${y(row) + 4}">${esc(text)}</text>`);
  });
  const inFlight = new Map<number, Arrow[]>();
  for (const a of run.arrows) {
    if (inTail(a.from) && inTail(a.until)) continue;
    const cls = a.byzantine ? 'byz' : a.fate === 'delivered' ? 'msg' : a.fate === 'dropped' ? 'drop' : 'fly';
    const [x1, y1] = [x(a.src), y(a.from)];
    const x2 = a.fate === 'dropped' ? (x(a.src) + x(a.to)) / 2 : x(a.to);
    const y2 = a.fate === 'dropped' ? (y(a.from) + y(a.until)) / 2 : y(a.until);
    const dash = a.fate === 'in flight' ? ' stroke-dasharray="4 3"' : '';
    const head = a.fate === 'delivered' ? ` marker-end="url(#a-${l.name})"` : '';
    out.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" class="${cls}"${dash}${head}><title>${esc(`${a.full} (${a.fate}${a.byzantine ? ', Byzantine sender' : ''})`)}</title></line>`);
    if (a.fate === 'dropped') {
      out.push(`<text x="${x2}" y="${y2 + 4}" text-anchor="middle" class="cross">x<title>${esc(`${a.full} dropped`)}</title></text>`);
      out.push(`<text class="label drop-label" x="${x2}" y="${y2 - 5}" text-anchor="middle">${esc(a.label)}</text>`);
    } else if (a.fate === 'in flight') inFlight.set(a.to, [...(inFlight.get(a.to) ?? []), a]);
    else if (!inTail(a.until)) {
      // The label sits beside the receiving lifeline, on the side the arrow comes from: one
      // delivery per row, so labels never collide with each other.
      const fromLeft = a.src < a.to;
      const lx = x(a.to) + (fromLeft ? -8 : 8);
      out.push(`<text class="label${a.byzantine ? ' byz-label' : ''}" x="${lx}" y="${y2 - 4}" text-anchor="${fromLeft ? 'end' : 'start'}">${esc(a.label)}</text>`);
    }
  }
  for (const [to, list] of inFlight) {
    const shown = list.slice(0, 3).map((a) => a.label).join(', ');
    const text = `${list.length} in flight: ${shown}${list.length > 3 ? ', …' : ''}`;
    out.push(`<text class="label fly-label" x="${x(to) + 4}" y="${l.endY + 14}">${esc(clip(text, 26))}<title>${esc(list.map((a) => a.full).join('\n'))}</title></text>`);
  }
  const rank: MarkKind[] = ['decide', 'fault', 'byzantine', 'lock', 'state', 'timer'];
  run.marks.forEach((byNode, row) => {
    if (inTail(row)) return;
    for (const [node, parts] of byNode) {
      const top = rank.find((k) => parts.some((p) => p.kind === k))!;
      out.push(`<rect class="tick k-${top}" x="${x(node) - 3}" y="${y(row) - 3}" width="6" height="6"/>`);
      // About one column wide (the title, the panel and the unfolded notes have it all).
      let room = 48;
      const spans = parts.map((p, i) => {
        const text = clip(`${i > 0 ? '; ' : ''}${p.text}`, Math.max(room, 1));
        room -= text.length;
        return room + text.length <= 0 ? '' : `<tspan class="k-${p.kind}">${esc(text)}</tspan>`;
      }).join('');
      out.push(`<text class="mark" x="${x(node) + 6}" y="${y(row) + 11}">${spans}<title>${esc(parts.map((p) => p.full).join('\n'))}</title></text>`);
    }
  });
  out.push(`<line id="cursor-${l.name}" class="cursor" x1="0" y1="${y(0)}" x2="${width}" y2="${y(0)}"/>`);
  out.push('</svg>');
  return out.join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `
body { font-family: sans-serif; margin: 8px; }
svg.chart { font-family: monospace; font-size: 11px; display: block; }
#controls { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ccc; padding: 4px 0; z-index: 1; }
#slider { width: 420px; vertical-align: middle; }
#panel { font-family: monospace; font-size: 12px; margin-top: 4px; }
#state td, #state th { padding: 0 8px; text-align: left; }
#state td.chg { background: #ffe9a8; }
#at { font-weight: bold; }
#notes { color: #555; white-space: pre; }
#viol { color: #b00; font-weight: bold; }
.ok { color: #070; } .bad { color: #b00; }
.hint, .legend { color: #666; font-size: 12px; }
.legend span { margin-right: 14px; white-space: nowrap; }
.life { stroke: #bbb; }
.msg { stroke: #246; } .byz { stroke: #a0a; stroke-width: 1.6; } .drop { stroke: #c33; } .fly { stroke: #999; }
.label { fill: #246; font-size: 10px; } .byz-label { fill: #a0a; font-weight: bold; } .drop-label { fill: #c33; } .fly-label { fill: #888; }
.cross { fill: #c33; font-weight: bold; }
.gutter { fill: #888; cursor: pointer; }
.gst { fill: #dbe9ff; } .tail { fill: #eee; cursor: pointer; } .violation { fill: #fdd; }
.band { fill: #357; font-style: italic; } .tailtext { fill: #555; cursor: pointer; }
.vtext { fill: #b00; } .vnode { fill: none; stroke: #b00; stroke-width: 2; }
.mark { font-size: 10px; }
.k-state { fill: #246; } .k-lock { fill: #c60; font-weight: bold; } .k-timer { fill: #a60; }
.k-decide { fill: #070; font-weight: bold; } .k-fault { fill: #c33; } .k-byzantine { fill: #a0a; }
.cursor { stroke: #f80; stroke-width: 2; opacity: 0.8; pointer-events: none; }
`;

const LEGEND = '<p class="legend">' +
  '<span style="color:#246">&#8594; delivered message (label: type, round, value id)</span>' +
  '<span style="color:#a0a">&#8594; from a Byzantine node</span>' +
  '<span style="color:#c33">x dropped</span>' +
  '<span style="color:#999">- - still in flight at the end</span>' +
  '<span style="color:#246">&#9632; height / round / step change</span>' +
  '<span style="color:#c60">&#9632; lock change</span>' +
  '<span style="color:#a60">&#9632; timer or event</span>' +
  '<span style="color:#070">&#9632; decision</span>' +
  '<span style="color:#c33">&#9632; crash / restart</span>' +
  '<span style="background:#dbe9ff">GST</span> <span style="background:#eee">folded synchronous tail</span> ' +
  '<span style="background:#fdd">broken invariant</span></p>';

/** The page's only script: the cursor, the state panel and the fold toggle. No network, no clock. */
const SCRIPT = `
(function () {
  var D = JSON.parse(document.getElementById('chart-data').textContent);
  var views = [], cur = [];
  D.changes.forEach(function (ch) {
    cur = cur.slice();
    ch.forEach(function (c) { cur[c[0]] = c.slice(1); });
    views.push(cur);
  });
  var slider = document.getElementById('slider');
  var fold = document.getElementById('fold');
  var folded = true, k = 0;
  function cell(tr, text, changed) {
    var td = document.createElement('td');
    td.textContent = String(text);
    if (changed) td.className = 'chg';
    tr.appendChild(td);
  }
  function render() {
    // Both layouts' cursors move, so folding keeps the place.
    Object.keys(D.y).forEach(function (name) {
      var c = document.getElementById('cursor-' + name), yy = String(D.y[name][k]);
      c.setAttribute('y1', yy); c.setAttribute('y2', yy);
    });
    var line = document.getElementById('cursor-' + (folded ? 'folded' : 'full'));
    var inTail = D.tail !== null && k >= D.tail[0] && k <= D.tail[1];
    document.getElementById('at').textContent = '[' + k + '/' + (D.rows.length - 1) + '] ' + D.rows[k] +
      (inTail && folded ? '   (in the folded synchronous tail)' : '');
    var changed = {};
    D.changes[k].forEach(function (c) { changed[c[0]] = c; });
    var body = document.querySelector('#state tbody');
    body.textContent = '';
    views[k].forEach(function (v, node) {
      var tr = document.createElement('tr');
      tr.id = 'node-' + node;
      var before = k > 0 ? views[k - 1][node] : v;
      cell(tr, D.names[node], false);
      for (var i = 0; i < 6; i++) cell(tr, v[i], k > 0 && before[i] !== v[i]);
      body.appendChild(tr);
    });
    var notes = document.getElementById('notes');
    notes.textContent = D.notes[k].join('\\n');
    if (k === D.violationRow) {
      var p = document.createElement('div');
      p.id = 'viol';
      p.textContent = D.violation;
      notes.appendChild(p);
    }
    var r = line.getBoundingClientRect(), top = document.getElementById('controls').getBoundingClientRect().bottom;
    if (r.top < top || r.bottom > window.innerHeight) window.scrollBy(0, r.top - (top + window.innerHeight) / 2);
  }
  function go(n) {
    k = Math.max(0, Math.min(D.rows.length - 1, n));
    slider.value = String(k);
    render();
  }
  function toggle() {
    if (fold === null) return;
    folded = !folded;
    document.getElementById('chart-folded').style.display = folded ? '' : 'none';
    document.getElementById('chart-full').style.display = folded ? 'none' : '';
    fold.textContent = (folded ? 'unfold' : 'fold') + ' the synchronous tail (' + (D.tail[1] - D.tail[0] + 1) + ' actions)';
    render();
  }
  slider.addEventListener('input', function () { go(Number(slider.value)); });
  document.getElementById('prev').addEventListener('click', function () { go(k - 1); });
  document.getElementById('next').addEventListener('click', function () { go(k + 1); });
  if (fold !== null) fold.addEventListener('click', toggle);
  document.addEventListener('click', function (e) {
    var t = e.target;
    if (t.id === 'tail-band' || (t.classList && t.classList.contains('tailtext'))) { toggle(); return; }
    if (t.getAttribute && t.getAttribute('data-row') !== null) go(Number(t.getAttribute('data-row')));
  });
  document.addEventListener('keydown', function (e) {
    if (e.target === slider) return;
    var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[e.key];
    if (step !== undefined) go(k + step);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(D.rows.length - 1);
    else return;
    e.preventDefault();
  });
  go(0);
})();
`;
