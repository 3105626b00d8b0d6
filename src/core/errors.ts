/** An input error a user can fix: bad config, malformed fixture, unknown name. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/**
 * Protocol code threw (or misbehaved so that the harness cannot go on, e.g. unbounded local
 * progress): a finding about the protocol, reported as the violation `exception`.
 */
export class ProtocolFault extends Error {
  override readonly name = 'ProtocolFault';
  constructor(
    /** The protocol member that threw, e.g. "onMessage" or "invariant lock-consistent". */
    readonly fn: string,
    /** The thrown value's class and message, e.g. "TypeError: x is undefined". */
    readonly error: string,
    /** The top stack frame of the throw, as path:line relative to the working directory. */
    readonly frame: string | undefined,
  ) {
    super(`${fn} threw ${error}${frame ? ` (at ${frame})` : ''}`);
  }
}

