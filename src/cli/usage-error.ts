/**
 * A usage error: the command was given arguments it cannot act on (a missing image, an unknown mount
 * option). main.ts exits with its exitCode, 2, as for commander's own usage errors; any other error is
 * an operational failure and exits 1.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
}
