import type { ClusterConfig, Protocol } from '../core/types.ts';
import type { Action } from '../sim/actions.ts';
import { ActionError, type StepRecord, initWorld, step } from '../sim/step.ts';
import { ProtocolFault, UserError } from '../core/errors.ts';
import { type World, allCorrectDecided } from '../sim/world.ts';
import { decodeChoice, enabledKinds, gstChoice, pickOfKind, synchronousAction } from '../adversary/decode.ts';
import { type Priority, priorityDelivery } from '../adversary/priority.ts';
import { Checker, type Violation } from './invariants.ts';
import { guarded } from './guard.ts';

export interface RunResult<S, M> {
  /** The explicit schedule that was run (tape decoded, GST and the synchronous tail included). */
  readonly actions: readonly Action<M>[];
  readonly violation: Violation | undefined;
  readonly world: World<S, M>;
  /**
   * Replays only: recorded actions that were no longer enabled and were skipped (the
   * schedule drifted from the protocol or simulator), by position in the recorded list.
   */
  readonly skipped: readonly SkippedAction<M>[];
  /** Names of the protocol's witnesses (sometimes-properties) this run reached. */
  readonly witnessed: ReadonlySet<string>;
}

export interface SkippedAction<M> {
  /** Position in the recorded action list. */
  readonly position: number;
  readonly action: Action<M>;
  /** Why the simulator refused it, e.g. "fire: node 2 has no pending timer ...". */
  readonly reason: string;
}

export interface StepObserver<S, M> {
  (index: number, action: Action<M> | null, world: World<S, M>, record: StepRecord<S, M>): void;
}

export interface RunOptions<S, M> {
  /** Called after init (index -1, action null) and after every step: for traces. */
  readonly observe?: StepObserver<S, M>;
}

/** The violation a protocol exception becomes. */
function exceptionViolation(fault: ProtocolFault, step: number): Violation {
  return { invariant: 'exception', step, detail: fault.message };
}

/**
 * The one executor. `next` says what happens next given the world (from a tape, a
 * fixture's list, or the synchronous network); every step is checked against every
 * invariant; the run stops at the first violation. A throw inside protocol code is the
 * violation `exception` at the step where it happened (a throw while the adversary lists
 * its choices counts after the last completed action). `onDisabled` decides what a
 * disabled action means: by default a UserError (a broken schedule); replays skip it.
 */
export function execute<S, M>(
  protocol: Protocol<S, M>,
  cfg: ClusterConfig,
  next: (w: World<S, M>, index: number) => Action<M> | undefined,
  options: RunOptions<S, M> & { onDisabled?: (action: Action<M>, error: ActionError) => void } = {},
): RunResult<S, M> {
  const p = guarded(protocol);
  const checker = new Checker(p, cfg);
  const actions: Action<M>[] = [];
  const observe = options.observe;
  let world: World<S, M>;
  let record: StepRecord<S, M>;
  try {
    ({ world, record } = initWorld(p, cfg));
  } catch (e) {
    if (!(e instanceof ProtocolFault)) throw e;
    // No world to show: the run is the empty schedule on a world that could not start.
    throw new UserError(`${protocol.name}: init failed: ${e.message}`);
  }
  let violation: Violation | undefined;
  let index = 0;
  try {
    observe?.(-1, null, world, record);
    violation = checker.afterStep(world, record, -1);
    while (violation === undefined) {
      const action = next(world, index);
      if (action === undefined) {
        violation = checker.atEnd(world, index - 1);
        break;
      }
      try {
        ({ world, record } = step(p, world, action));
      } catch (e) {
        if (e instanceof ProtocolFault) {
          // A reducer threw while handling this action: the action is part of the counterexample.
          actions.push(action);
          index++;
        }
        if (!(e instanceof ActionError)) throw e;
        if (options.onDisabled === undefined) {
          throw new UserError(`action ${index} ${JSON.stringify(action)} is not enabled: ${e.message}` +
            ' (a recorded schedule that no longer matches the protocol or simulator)');
        }
        options.onDisabled(action, e);
        continue;
      }
      actions.push(action);
      index++;
      observe?.(index - 1, action, world, record);
      violation = checker.afterStep(world, record, index - 1);
    }
  } catch (e) {
    if (!(e instanceof ProtocolFault)) throw e;
    violation = exceptionViolation(e, index - 1);
  }
  return { actions, violation, world, skipped: [], witnessed: checker.witnessed };
}

/**
 * The synchronous network after GST, the harness's part of every run: FIFO delivery until
 * every correct node decided, the cluster is quiescent, or the post-GST bound is spent.
 */
export function synchronousTail<S, M>(protocol: Protocol<S, M>, w: World<S, M>): Action<M> | undefined {
  if (w.stepsAfterGst >= w.cfg.gstStepBound) return undefined;
  if (protocol.decides !== false && allCorrectDecided(w)) return undefined;
  return synchronousAction(w);
}

/**
 * Tape semantics (DESIGN.md): each integer picks among the enabled actions; when the
 * tape is exhausted (or nothing adversarial is enabled) GST happens, and then the network
 * delivers FIFO until every correct node decided (the core's, if GST chose one), the cluster
 * is quiescent, or the post-GST step bound is spent.
 */
export function tapeScheduler<S, M>(
  protocol: Protocol<S, M>,
  tape: readonly number[],
  priority?: Priority,
): (w: World<S, M>, index: number) => Action<M> | undefined {
  let pos = 0;
  const order = priority ? [...priority.order] : [];
  const changes = new Set(priority?.changes ?? []);
  // Priority delivery: the tape still picks the kind; "deliver" follows the priorities.
  const deliver = priority === undefined ? undefined : (w: World<S, M>) => priorityDelivery(w, order);
  const p = guarded(protocol);
  return (w) => {
    if (!w.gst) {
      while (pos < tape.length) {
        if (priority !== undefined && changes.has(pos)) order.push(order.shift()!);
        const a = decodeChoice(p, w, tape[pos++]!, deliver);
        if (a !== undefined) return a;
      }
      // With cfg.postGst the tape also chose each Byzantine node's behaviour and a core (gstChoice).
      return gstChoice(w.cfg, tape);
    }
    return synchronousTail(p, w);
  };
}

export function runTape<S, M>(
  protocol: Protocol<S, M>,
  cfg: ClusterConfig,
  tape: readonly number[],
  options: RunOptions<S, M> & { priority?: Priority | undefined } = {},
): RunResult<S, M> {
  return execute(protocol, cfg, tapeScheduler(protocol, tape, options.priority), options);
}

/**
 * What the adversary would ask of the protocol before choosing its next action (the events
 * each node offers, the messages a Byzantine node may inject). Called when a replayed
 * schedule ends before GST, so an exception a tape run met while choosing is met again.
 */
function probeAdversary<S, M>(protocol: Protocol<S, M>, w: World<S, M>): void {
  if (enabledKinds(protocol, w).includes('inject')) pickOfKind(protocol, w, 'inject', 0);
  // Every node's events, as the decoder lists them when it picks the kind "event".
  if (protocol.events) for (let node = 0; node < w.states.length; node++) if (!w.crashed[node]) protocol.events(w.states[node]!, w.cfg);
}

/**
 * What follows the end of a recorded action list: after GST the harness's synchronous tail
 * (as the tape run had); before it, the run ends, once the adversary's vocabulary has been
 * asked for (probeAdversary). Every replay of an explicit list ends this way.
 */
export function afterRecording<S, M>(protocol: Protocol<S, M>, w: World<S, M>): Action<M> | undefined {
  if (w.gst) return synchronousTail(protocol, w);
  probeAdversary(protocol, w);
  return undefined;
}

/**
 * Replay an explicit action list (a fixture). A recorded action that is no longer enabled
 * is skipped and reported in `skipped` (the fixture drifted); after the list, a run that
 * reached GST goes on with the harness's synchronous tail, as the tape run did.
 */
export function runActions<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, list: readonly Action<M>[], options: RunOptions<S, M> = {}): RunResult<S, M> {
  const p = guarded(protocol);
  let pos = 0;
  const skipped: SkippedAction<M>[] = [];
  const result = execute(p, cfg, (w) => {
    if (pos < list.length) return list[pos++];
    return afterRecording(p, w);
  }, { ...options, onDisabled: (action, e) => skipped.push({ position: pos - 1, action, reason: e.message }) });
  return { ...result, skipped };
}
