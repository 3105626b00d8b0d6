import type { NodeId, Timer } from '../core/types.ts';

/**
 * Everything the adversary (or the synchronous network after GST) can do in one step.
 * Fixtures store these explicitly, so they must stay plain JSON.
 */
export type Action<M> =
  /**
   * crashAfter (crash-recovery): the recipient reboots after the first k effects of its
   * reducer call (its messages to itself unhandled); it restarts through `recover`.
   */
  | { readonly kind: 'deliver'; readonly id: number; readonly crashAfter?: number }
  | { readonly kind: 'drop'; readonly id: number }
  | { readonly kind: 'duplicate'; readonly id: number }
  | { readonly kind: 'fire'; readonly node: NodeId; readonly timer: Timer; readonly crashAfter?: number }
  | { readonly kind: 'inject'; readonly from: NodeId; readonly to: NodeId; readonly msg: M }
  | { readonly kind: 'crash'; readonly node: NodeId }
  | { readonly kind: 'restart'; readonly node: NodeId }
  /** groups[i] = side of node i. */
  | { readonly kind: 'partition'; readonly groups: readonly number[] }
  | { readonly kind: 'heal' }
  | { readonly kind: 'event'; readonly node: NodeId; readonly event: string }
  /** Global stabilisation: heal, restart, resend lost messages; from now on only deliver and fire. */
  | { readonly kind: 'gst' }
  /** A correct node crashes and loses its memory and timers; `restart` (or GST) brings it back through `recover`. */
  | { readonly kind: 'reboot'; readonly node: NodeId };

export type ActionKind = Action<unknown>['kind'];

export const ACTION_KINDS: readonly ActionKind[] = [
  'deliver', 'drop', 'duplicate', 'fire', 'inject', 'crash', 'restart', 'partition', 'heal', 'event', 'gst', 'reboot',
];
