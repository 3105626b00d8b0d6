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
  /**
   * Global stabilisation: heal, restart, resend lost messages; from now on only deliver and fire.
   * `byzantine` says how each Byzantine node behaves from now on (absent: honest, as before);
   * `core` is the set of correct nodes that heal and must decide (absent: every correct node),
   * the other correct nodes stay cut off (VOPR's core).
   */
  | { readonly kind: 'gst'; readonly byzantine?: Readonly<Record<string, AfterGst>>; readonly core?: readonly NodeId[] }
  /** A correct node crashes and loses its memory and timers; `restart` (or GST) brings it back through `recover`. */
  | { readonly kind: 'reboot'; readonly node: NodeId };

/**
 * What a Byzantine node does after GST. Its own reducer keeps running in every case (it follows
 * the protocol inside); only what leaves it changes:
 * - honest: everything it sends is delivered (FIFO), as before GST-persistent behaviours existed;
 * - silent: nothing it sends after GST is delivered (and what it had in flight is withheld);
 * - selective: what it sends reaches only the listed correct nodes (other Byzantine nodes too);
 * - equivocating: to the first half of the correct nodes it sends its honest message, to the
 *   other half a conflicting one of the same vote slot from the protocol's byzantineMessages
 *   (where the protocol offers none, the honest message goes to both halves);
 * - delayed: its messages are delivered only while no other message is in flight.
 * Gossip stays: what some correct node received from it, every correct node receives (step.ts).
 */
export type AfterGst = 'honest' | 'silent' | 'equivocating' | 'delayed' | { readonly selective: readonly NodeId[] };

export const AFTER_GST_NAMES = ['honest', 'silent', 'selective', 'equivocating', 'delayed'] as const;

export type ActionKind = Action<unknown>['kind'];

export const ACTION_KINDS: readonly ActionKind[] = [
  'deliver', 'drop', 'duplicate', 'fire', 'inject', 'crash', 'restart', 'partition', 'heal', 'event', 'gst', 'reboot',
];
