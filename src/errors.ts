/**
 * One error type for everything a user can cause or fix, with a stable code and one table
 * of exit codes. Anything else that escapes is a bug and exits with INTERNAL.
 */

/** Process exit codes. Stable: CI pipelines branch on them. Documented in docs/exit-codes.md. */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  INVALID_INPUT: 3,
  CREDENTIALS: 4,
  CONNECTION: 5,
  REJECTED: 6,
  NOT_CONFIRMED: 7,
  LIVE_STATE: 8,
  FILE_WRITE: 9,
  ROLLED_BACK: 10,
  MISMATCH: 11,
  HELD: 12,
  /** Pushed and live, but a leaf node or a known server does not run it (it routes the old way). */
  PARTLY_LIVE: 13,
  /** A second SIGINT/SIGTERM: exited without waiting for the clean-up (128 + SIGINT, as shells do). */
  INTERRUPTED: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Every error code, with the exit code it maps to. */
export const ErrorCodes = {
  /** An unknown command, flag or option value, or a missing argument (also oclif's own parse errors). */
  USAGE: ExitCode.USAGE,
  INVALID_WEIGHT: ExitCode.INVALID_INPUT,
  INVALID_ACTOR_ID: ExitCode.INVALID_INPUT,
  INVALID_PROVIDER_ID: ExitCode.INVALID_INPUT,
  INVALID_COMPONENT_ID: ExitCode.INVALID_INPUT,
  INVALID_SERVICE_NAME: ExitCode.INVALID_INPUT,
  INVALID_ACCOUNT_ID: ExitCode.INVALID_INPUT,
  INVALID_VERSION: ExitCode.INVALID_INPUT,
  INVALID_TOKEN: ExitCode.INVALID_INPUT,
  INVALID_SHIFT: ExitCode.INVALID_INPUT,
  MISSING_FROM: ExitCode.INVALID_INPUT,
  MISSING_ACCOUNT: ExitCode.INVALID_INPUT,
  SPEC_NOT_FOUND: ExitCode.INVALID_INPUT,
  SPEC_INVALID: ExitCode.INVALID_INPUT,
  UNKNOWN_ENVIRONMENT: ExitCode.INVALID_INPUT,
  INVALID_SWAP: ExitCode.INVALID_INPUT,
  SYSTEM_ACCOUNT: ExitCode.INVALID_INPUT,
  SWAP_NOT_LIVE: ExitCode.LIVE_STATE,
  SPEC_WRITE_FAILED: ExitCode.FILE_WRITE,
  SIGNING_KEY_MISSING: ExitCode.CREDENTIALS,
  SIGNING_KEY_UNREADABLE: ExitCode.CREDENTIALS,
  SIGNING_KEY_INVALID: ExitCode.CREDENTIALS,
  UNTRUSTED_KEY: ExitCode.CREDENTIALS,
  OPERATOR_JWT_INVALID: ExitCode.CREDENTIALS,
  CREDS_UNREADABLE: ExitCode.CREDENTIALS,
  CREDS_INVALID: ExitCode.CREDENTIALS,
  SEED_MISPLACED: ExitCode.CREDENTIALS,
  KEY_FILE_OPEN: ExitCode.CREDENTIALS,
  CONTEXT_NOT_FOUND: ExitCode.CREDENTIALS,
  NSC_NOT_FOUND: ExitCode.CREDENTIALS,
  AUTHORIZATION: ExitCode.CREDENTIALS,
  CONNECTION_FAILED: ExitCode.CONNECTION,
  /** A connection failed during a command (the server went away); the message says what may be live. */
  CONNECTION_LOST: ExitCode.CONNECTION,
  /** A server URL answers HTTP (a monitoring port), not NATS. */
  NOT_NATS: ExitCode.CONNECTION,
  NATS_SERVER_MISSING: ExitCode.CONNECTION,
  NOT_RUNNING: ExitCode.LIVE_STATE,
  DEV_INCOMPLETE: ExitCode.LIVE_STATE,
  NO_RESOLVER: ExitCode.CONNECTION,
  TIMEOUT: ExitCode.CONNECTION,
  DEADLINE: ExitCode.CONNECTION,
  PUSH_REJECTED: ExitCode.REJECTED,
  NOT_CONFIRMED: ExitCode.NOT_CONFIRMED,
  ACCOUNT_NOT_FOUND: ExitCode.LIVE_STATE,
  LIVE_JWT_INVALID: ExitCode.LIVE_STATE,
  UNTRUSTED_LIVE_JWT: ExitCode.LIVE_STATE,
  UNSUPPORTED_MAPPING: ExitCode.LIVE_STATE,
  VERSION_NOT_READY: ExitCode.LIVE_STATE,
  MISSING_ENDPOINTS: ExitCode.LIVE_STATE,
  NOT_STEERABLE: ExitCode.LIVE_STATE,
  UNSAFE_SUBJECT: ExitCode.LIVE_STATE,
  TOO_FEW_SERVERS: ExitCode.LIVE_STATE,
  SERVER_RULES: ExitCode.LIVE_STATE,
  JWT_TOO_LARGE: ExitCode.LIVE_STATE,
  DRIFT: ExitCode.LIVE_STATE,
  STATE_CONFLICT: ExitCode.LIVE_STATE,
  TOO_FEW_ACKS: ExitCode.NOT_CONFIRMED,
  PARTLY_LIVE: ExitCode.PARTLY_LIVE,
  DOUBLE_EXECUTION: ExitCode.LIVE_STATE,
  STATE_UNAVAILABLE: ExitCode.CONNECTION,
  ROLLOUT_RECORD_UNAVAILABLE: ExitCode.CONNECTION,
  NO_HISTORY: ExitCode.INVALID_INPUT,
  UNKNOWN_REVISION: ExitCode.INVALID_INPUT,
  UNKNOWN_CLUSTER: ExitCode.INVALID_INPUT,
  UNKNOWN_SERVER: ExitCode.INVALID_INPUT,
  INVALID_DURATION: ExitCode.INVALID_INPUT,
  INVALID_ROLLOUT: ExitCode.INVALID_INPUT,
  INVALID_REPLICAS: ExitCode.INVALID_INPUT,
  NO_APP_CREDS: ExitCode.INVALID_INPUT,
  NO_STATE: ExitCode.INVALID_INPUT,
  REMOTE_NOT_ALLOWED: ExitCode.INVALID_INPUT,
  INVALID_HOST: ExitCode.INVALID_INPUT,
  PORT_IN_USE: ExitCode.INVALID_INPUT,
  KEYS_EXIST: ExitCode.INVALID_INPUT,
  DIR_UNWRITABLE: ExitCode.INVALID_INPUT,
  ROLLOUT_RUNNING: ExitCode.LIVE_STATE,
  LIVE_NEWER: ExitCode.LIVE_STATE,
  NO_ROLLOUT: ExitCode.LIVE_STATE,
  NO_FAULT: ExitCode.LIVE_STATE,
  NO_ROUTE: ExitCode.LIVE_STATE,
  NO_METRICS: ExitCode.LIVE_STATE,
  NO_SUBSCRIBER: ExitCode.LIVE_STATE,
  ROLLED_BACK: ExitCode.ROLLED_BACK,
  ROLLOUT_HELD: ExitCode.HELD,
  SPLIT_MISMATCH: ExitCode.MISMATCH,
  NO_TRAFFIC: ExitCode.MISMATCH,
  NO_ANSWER: ExitCode.MISMATCH,
  HOST_NONCONFORMANT: ExitCode.MISMATCH,
} as const
export type ErrorCode = keyof typeof ErrorCodes

export class LatticeError extends Error {
  override readonly name = 'LatticeError'
  readonly code: ErrorCode
  /** How to fix it, in one sentence the user can act on. */
  readonly hint?: string
  /** Extra machine-readable facts (never secrets). */
  readonly details?: Record<string, unknown>

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    this.hint = opts.hint
    this.details = opts.details
  }

  get exitCode(): ExitCode {
    return ErrorCodes[this.code]
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      exitCode: this.exitCode,
      ...(this.details ? { details: this.details } : {}),
    }
  }
}

export function isLatticeError(e: unknown): e is LatticeError {
  return e instanceof LatticeError
}
