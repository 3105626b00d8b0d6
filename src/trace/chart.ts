import type { ClusterConfig, Protocol } from '../core/types.ts';
import type { Action } from '../sim/actions.ts';
import type { StepRecord } from '../sim/step.ts';
import { type World, describeTimer, instanceCount } from '../sim/world.ts';
import { runActions } from '../check/execute.ts';

/**
 * A message sequence chart of a run as one self-contained HTML page (inline SVG, no
 * scripts): a column per node (twins after the nodes), a row per action, an arrow from
 * the step a message was sent to the step it was delivered; drops end in a red cross,
 * messages still in flight at the end run off the bottom. Timers, decisions and the
 * broken invariant are marked on the node's column. Hover an arrow for the message.
 */
export function sequenceChart<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, actions: readonly Action<M>[], title: string): string {
  const sent = new Map<number, { src: number; to: number; step: number; label: string }>();
  const arrows: { src: number; to: number; from: number; until: number; label: string; fate: 'delivered' | 'dropped' | 'in flight' }[] = [];
  const marks: { node: number; step: number; text: string; kind: 'timer' | 'decide' | 'fault' | 'byzantine' }[] = [];
  const rows: string[] = ['start'];
  const observe = (index: number, action: Action<M> | null, _w: World<S, M>, rec: StepRecord<S, M>) => {
    const row = index + 1;
    if (action !== null) {
      rows.push(`${index} ${action.kind}`);
      if (action.kind === 'deliver' || action.kind === 'drop') {
        const e = sent.get(action.id);
        if (e !== undefined) {
          arrows.push({ src: e.src, to: e.to, from: e.step, until: row, label: e.label, fate: action.kind === 'deliver' ? 'delivered' : 'dropped' });
          sent.delete(action.id);
        }
      } else if (action.kind === 'fire') marks.push({ node: action.node, step: row, text: typeof action.timer.name === 'string' ? action.timer.name : describeTimer(action.timer), kind: 'timer' });
      else if (action.kind === 'crash' || action.kind === 'restart') marks.push({ node: action.node, step: row, text: action.kind, kind: 'fault' });
      else if (action.kind === 'inject') marks.push({ node: action.from, step: row, text: `forges ${protocol.describe(action.msg)}`, kind: 'byzantine' });
      else if (action.kind === 'event') marks.push({ node: action.node, step: row, text: action.event, kind: 'timer' });
    }
    for (const e of rec.sent) sent.set(e.id, { src: e.src, to: e.to, step: row, label: `#${e.id} ${protocol.describe(e.msg)}` });
    for (const d of rec.decided) marks.push({ node: d.node, step: row, text: `decides ${d.value} (height ${d.height})`, kind: 'decide' });
  };
  const result = runActions(protocol, cfg, actions, { observe });
  const end = rows.length;
  for (const e of sent.values()) arrows.push({ src: e.src, to: e.to, from: e.step, until: end, label: e.label, fate: 'in flight' });

  const columns = instanceCount(cfg);
  const colW = 150;
  const rowH = 16;
  const left = 70;
  const top = 40;
  const x = (node: number) => left + colW / 2 + node * colW;
  const y = (row: number) => top + row * rowH + rowH / 2;
  const width = left + columns * colW + 220;
  const height = top + (end + 1) * rowH + 20;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const name = (node: number) => (node < cfg.n ? `node ${node}${cfg.byzantine.includes(node) ? ' (Byzantine)' : ''}` : `twin of ${cfg.twins[node - cfg.n]}`);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">`);
  out.push('<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>');
  for (let node = 0; node < columns; node++) {
    out.push(`<text x="${x(node)}" y="${top - 14}" text-anchor="middle" font-weight="bold">${esc(name(node))}</text>`);
    out.push(`<line x1="${x(node)}" y1="${top - 6}" x2="${x(node)}" y2="${height - 10}" stroke="#bbb"/>`);
  }
  rows.forEach((r, i) => out.push(`<text x="4" y="${y(i) + 4}" fill="#888">${esc(r)}</text>`));
  const v = result.violation;
  if (v !== undefined) {
    const row = v.step + 1;
    out.push(`<rect x="0" y="${y(row) - rowH / 2}" width="${width}" height="${rowH}" fill="#fdd"/>`);
    out.push(`<text x="${left + columns * colW + 6}" y="${y(row) + 4}" fill="#b00" font-weight="bold">${esc(`${v.invariant} broken`)}<title>${esc(v.detail)}</title></text>`);
  }
  for (const a of arrows) {
    const color = a.fate === 'delivered' ? '#246' : a.fate === 'dropped' ? '#c33' : '#999';
    const x2 = a.fate === 'dropped' ? (x(a.src) + x(a.to)) / 2 : x(a.to);
    const y2 = a.fate === 'dropped' ? (y(a.from) + y(a.until)) / 2 : y(a.until);
    const dash = a.fate === 'in flight' ? ' stroke-dasharray="4 3"' : '';
    const head = a.fate === 'delivered' ? ' marker-end="url(#a)"' : '';
    out.push(`<line x1="${x(a.src)}" y1="${y(a.from)}" x2="${x2}" y2="${y2}" stroke="${color}"${dash}${head}><title>${esc(`${a.label} (${a.fate})`)}</title></line>`);
    if (a.fate === 'dropped') out.push(`<text x="${x2}" y="${y2 + 4}" text-anchor="middle" fill="#c33" font-weight="bold">x<title>${esc(`${a.label} dropped`)}</title></text>`);
  }
  const colors = { timer: '#a60', decide: '#070', fault: '#c33', byzantine: '#909' } as const;
  for (const m of marks) {
    out.push(`<circle cx="${x(m.node)}" cy="${y(m.step)}" r="3.5" fill="${colors[m.kind]}"/>`);
    out.push(`<text x="${x(m.node) + 6}" y="${y(m.step) - 3}" fill="${colors[m.kind]}">${esc(m.text.length > 40 ? `${m.text.slice(0, 39)}…` : m.text)}<title>${esc(m.text)}</title></text>`);
  }
  out.push('</svg>');
  const verdict = v === undefined ? 'every invariant held' : `${v.invariant} broken at step ${v.step}: ${v.detail}`;
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${esc(title)}</title></head>\n<body style="font-family: sans-serif">\n` +
    `<h3>${esc(title)}</h3>\n<p>${esc(verdict)}</p>\n<p style="color:#666">Arrows: delivered (dark), dropped (red x), still in flight (dashed). Dots: timers and events (orange), decisions (green), crashes (red), Byzantine forgeries (purple). Hover for details.</p>\n` +
    `${out.join('\n')}\n</body></html>\n`;
}
