/**
 * Termination stories (issue 10 item 3): when nodes are still undecided after GST, the story
 * names, per stuck node, what it waits for and from whom (Protocol.waitingFor). Each liveness
 * fixture is replayed and its sentences are checked for what could be wrong: the node, the
 * message type, the round, the count against the quorum, who is missing and why. The sentences
 * sit after a "   · " mark that the replay fingerprint leaves out, so fixtures keep their
 * fingerprints whatever the stories say.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../src/core/types.ts';
import { defineProtocol } from '../src/core/define.ts';
import { runActions } from '../src/check/execute.ts';
import { createProtocol } from '../src/protocols/registry.ts';
import { readFixture } from '../src/trace/fixture.ts';
import { timeline } from '../src/trace/explain.ts';
import { FIXTURE_ROOT } from './support.ts';

const MARK = '   · ';

/** The stuck-node sentences of a replayed fixture's violation, by node. */
function replay(name: string, drop?: string): { invariant: string; detail: string; stories: Map<number, string> } {
  const fx = readFixture(join(FIXTURE_ROOT, name));
  let p: Protocol<unknown, unknown> = createProtocol(fx.protocol, fx.mutant);
  if (drop !== undefined) p = { ...p, worldInvariants: (p.worldInvariants ?? []).filter((w) => w.name !== drop) };
  const v = runActions(p, fx.config, fx.actions).violation;
  expect(v).toBeDefined();
  const stories = new Map<number, string>();
  const at = v!.detail.indexOf(MARK);
  if (at >= 0) {
    for (const sentence of v!.detail.slice(at + MARK.length).split(' · ')) {
      const m = /^node (\d+) (.*)$/.exec(sentence);
      expect(m, sentence).not.toBeNull();
      stories.set(Number(m![1]), m![2]!);
    }
  }
  return { invariant: v!.invariant, detail: v!.detail, stories };
}

describe('termination stories say what each stuck node waits for', () => {
  it('tendermint prevote-needs-all-prevotes: every stuck node waits for the round-30 proposal of the silent Byzantine node 2 and has prevoted nil round after round', () => {
    const { invariant, stories } = replay('tendermint/mutant-prevote-needs-all-prevotes.json');
    expect(invariant).toBe('termination');
    expect([...stories.keys()]).toEqual([0, 1, 3]);
    for (const s of stories.values()) {
      expect(s).toContain('waits for a PROPOSAL of h0 r30 from node 2 (Byzantine, silent after GST)');
      expect(s).toContain('PRECOMMITs of h0 r30');
      expect(s).toContain('2f+1 = 3 needed');
      // The mutant's symptom: nil prevotes although the node held the round's proposal.
      expect(s).toMatch(/prevoted nil in (every earlier round \(0-29\)|\d+ of its 30 earlier round\(s\)), \d+ of them with a PROPOSAL in hand/);
    }
  });

  it('hotstuff tc-needs-all: the core holds the 3 timeouts of view 2 a TC needs, and the leader of view 2 is the node cut off', () => {
    const { stories } = replay('hotstuff/mutant-tc-needs-all.json');
    expect([...stories.keys()]).toEqual([0, 1, 3]);
    for (const s of stories.values()) {
      expect(s).toContain('waits for a PROPOSAL of v2 from leader node 2 (cut off after GST)');
      expect(s).toContain('timed out in v2; TIMEOUTs of v2: 3, n-f = 3 needed for a TC; from nodes 0, 1, 3; none from node 2 (cut off after GST)');
    }
  });

  it('hotstuff qc-needs-all: after 57 views no QC above genesis; voters of view 57 wait for votes, node 3 for the proposal of leader 1', () => {
    const { stories } = replay('hotstuff/mutant-qc-needs-all.json');
    expect(stories.get(1)).toMatch(/^voted the PROPOSAL of v57 b=\w+; VOTEs for b=\w+ of v57: 1, n-f = 3 needed for a QC; from node 1; none from node 0 \(cut off after GST\), node 2, node 3/);
    expect(stories.get(3)).toMatch(/^waits for a PROPOSAL of v57 from leader node 1;/);
    for (const s of stories.values()) expect(s).toContain('highest QC @v0');
  });

  it('ibft prepared-needs-all: each core node holds Q = 3 PREPARE-or-COMMIT senders for the round-19 block and does not lock', () => {
    const { stories } = replay('ibft/mutant-prepared-needs-all.json');
    expect([...stories.keys()]).toEqual([1, 2, 3]);
    for (const s of stories.values()) {
      expect(s).toMatch(/^has the PREPREPARE h0r19p\d of r19; 3 of Q = 3 PREPARE-or-COMMIT senders of h0 r19 for it from nodes 1, 2, 3; none from node 0 \(cut off after GST\)$/);
    }
  });

  it('ibft round-change-needs-all: the core waits for round 21 with Q = 3 ROUND-CHANGEs in hand; the locked nodes say so', () => {
    const { stories } = replay('ibft/mutant-round-change-needs-all.json');
    for (const s of stories.values()) expect(s).toContain('waits for round change to r21: 3 of Q = 3 ROUND-CHANGEs of h0 r21 from nodes 1, 2, 3; none from node 0 (cut off after GST)');
    expect(stories.get(1)).toContain('locked on h0r0p0');
    expect(stories.get(3)).not.toContain('locked');
  });

  it('ibft-valset committee of 3: members wait for the Byzantine member 2, left at height 0; node 3 is outside the committee', () => {
    const { stories } = replay('ibft/valset-n4-committee-of-3-stalls.json');
    for (const n of [0, 1]) expect(stories.get(n)).toMatch(/^waits for round change to r26: 2 of Q = 3 ROUND-CHANGEs of h1 r26 from nodes 0, 1; none from node 2 \(Byzantine, honest after GST\) \(node 2 is at h0 r\d+\)$/);
    expect(stories.get(3)).toMatch(/^is not in the committee \{0,1,2\} of h1: waits for a block of h1 with Q valid seals/);
  });

  it('ibft liveness-split-locks, run past the lock-split check to the step bound: the two locks that split the committee are named', () => {
    const { invariant, stories } = replay('ibft/liveness-split-locks.json', 'lock-split');
    expect(invariant).toBe('termination');
    expect(stories.get(0)).toMatch(/^waits for round change to r16: 2 of Q = 3 ROUND-CHANGEs .*; locked on h0r1p1/);
    for (const n of [1, 3]) expect(stories.get(n)).toMatch(/^prepared h0r0p0 in r15; 2 of Q = 3 valid COMMITs of h0 r15 for it from nodes 1, 3; none from node 0, node 2 \(Byzantine, honest after GST\).*locked on h0r0p0/);
  });

  it('qbft commit-needs-all-prepares: each core node holds Q = 3 PREPAREs of round 19 and sent no COMMIT', () => {
    const { stories } = replay('qbft/mutant-commit-needs-all-prepares.json');
    expect([...stories.keys()]).toEqual([1, 2, 3]);
    for (const s of stories.values()) expect(s).toContain('accepted h0r0p0 in r19, sent no COMMIT: 3 of Q = 3 PREPAREs of h0 r19 for it from nodes 1, 2, 3; none from node 0 (cut off after GST)');
  });

  it('qbft round-change-needs-all: the proposer of round 21 holds Q round changes and does not propose; the others wait for it', () => {
    const { stories } = replay('qbft/mutant-round-change-needs-all.json');
    expect(stories.get(1)).toContain('is the proposer of h0 r21 and has not proposed: 3 of Q = 3 ROUND-CHANGEs of h0 r21');
    for (const n of [2, 3]) expect(stories.get(n)).toMatch(/^waits for a PROPOSAL of h0 r21 from proposer node 1\b/);
  });
});

describe('stories are commentary, not the run', () => {
  it('a fixture replayed without waitingFor has the same fingerprint and the same violation up to the mark', () => {
    const fx = readFixture(join(FIXTURE_ROOT, 'qbft/mutant-round-change-needs-all.json'));
    const p = createProtocol(fx.protocol, fx.mutant);
    expect(p.waitingFor).toBeDefined();
    const { waitingFor: _dropped, ...bare } = p;
    const told = timeline(p, fx.config, fx.actions);
    const plain = timeline(bare, fx.config, fx.actions);
    expect(told.fingerprint).toBe(plain.fingerprint);
    const d = told.result.violation!.detail;
    expect(d).toContain(MARK);
    expect(plain.result.violation!.detail).toBe(d.slice(0, d.indexOf(MARK)));
  });

  it('defineProtocol carries a spec\'s waitingFor; a story that throws is reported in the story, the verdict stays termination', () => {
    // A node that never decides: every run after GST ends quiescent and undecided.
    const mute = defineProtocol<number, string>({
      name: 'mute',
      node: { init: () => ({ state: 0, effects: [] }), onMessage: (s) => ({ state: s, effects: [] }) },
      waitingFor: (_s, _cfg, stuck) => {
        if (stuck.node === 1) throw new Error('boom');
        return `waits for ${stuck.who(0)}`;
      },
    });
    expect(mute.waitingFor).toBeDefined();
    const cfg = { n: 4, f: 1, byzantine: [0], twins: [], heights: 1, faults: { drops: 0, duplicates: 0, crashes: 0, partitions: 0, injections: 0 }, gstStepBound: 10 };
    const v = runActions(mute, cfg, [{ kind: 'gst', byzantine: { 0: 'silent' } }]).violation;
    expect(v?.invariant).toBe('termination');
    expect(v!.detail).toMatch(/ {3}· node 1 \(story failed: [^)]*boom[^·]*\) · node 2 waits for node 0 \(Byzantine, silent after GST\) · node 3 waits for node 0 \(Byzantine, silent after GST\)$/);
  });
});
