/** An input error a user can fix: bad config, malformed fixture, unknown name. */
export class UserError extends Error {
  override readonly name = 'UserError';
}
