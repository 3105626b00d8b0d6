import type { ClusterConfig, Protocol } from '../core/types.ts';
import type { Action } from '../sim/actions.ts';
import { ActionError, type StepRecord, initWorld, step } from '../sim/step.ts';
import { UserError } from '../core/errors.ts';
import { type World, allCorrectDecided } from '../sim/world.ts';
import { decodeChoice, synchronousAction } from '../adversary/decode.ts';
import { type Priority, priorityDelivery } from '../adversary/priority.ts';
import { Checker, type Violation } from './invariants.ts';

export interface RunResult<S, M> {
  /** The explicit schedule that was run (tape decoded, GST and the synchronous tail included). */
  readonly actions: readonly Action<M>[];
  readonly violation: Violation | undefined;
  readonly world: World<S, M>;
}

export interface StepObserver<S, M> {
  (index: number, action: Action<M> | null, world: World<S, M>, record: StepRecord<S, M>): void;
}

export interface RunOptions<S, M> {
  /** Called after init (index -1, action null) and after every step: for traces. */
  readonly observe?: StepObserver<S, M>;
}

/**
 * The one executor. `next` says what happens next given the world (from a tape, a
 * fixture's list, or the synchronous network); every step is checked against every
 * invariant; the run stops at the first violation.
 */
export function execute<S, M>(
  protocol: Protocol<S, M>,
  cfg: ClusterConfig,
  next: (w: World<S, M>, index: number) => Action<M> | undefined,
  options: RunOptions<S, M> = {},
): RunResult<S, M> {
  const checker = new Checker(protocol, cfg);
  const actions: Action<M>[] = [];
  const observe = options.observe;
  let { world, record } = initWorld(protocol, cfg);
  observe?.(-1, null, world, record);
  let violation = checker.afterStep(world, record, -1);
  let index = 0;
  while (violation === undefined) {
    const action = next(world, index);
    if (action === undefined) {
      violation = checker.atEnd(world, index - 1);
      break;
    }
    actions.push(action);
    try {
      ({ world, record } = step(protocol, world, action));
    } catch (e) {
      if (!(e instanceof ActionError)) throw e;
      throw new UserError(`action ${index} ${JSON.stringify(action)} is not enabled: ${e.message}` +
        ' (a recorded schedule that no longer matches the protocol or simulator)');
    }
    observe?.(index, action, world, record);
    violation = checker.afterStep(world, record, index);
    index++;
  }
  return { actions, violation, world };
}

/**
 * Tape semantics (DESIGN.md): each integer picks among the enabled actions; when the
 * tape is exhausted (or nothing adversarial is enabled) GST happens, and then the network
 * delivers FIFO until every correct node decided, the cluster is quiescent, or the
 * post-GST step bound is spent.
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
  return (w) => {
    if (!w.gst) {
      while (pos < tape.length) {
        if (priority !== undefined && changes.has(pos)) order.push(order.shift()!);
        const a = decodeChoice(protocol, w, tape[pos++]!, deliver);
        if (a !== undefined) return a;
      }
      return { kind: 'gst' };
    }
    if (w.stepsAfterGst >= w.cfg.gstStepBound) return undefined;
    if (protocol.decides !== false && allCorrectDecided(w)) return undefined;
    return synchronousAction(w);
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

/** Replay an explicit action list (a fixture). */
export function runActions<S, M>(protocol: Protocol<S, M>, cfg: ClusterConfig, list: readonly Action<M>[], options: RunOptions<S, M> = {}): RunResult<S, M> {
  return execute(protocol, cfg, (_w, i) => list[i], options);
}
