/** Errors host-core raises, each with a stable code (also sent over the control interface). */
export type HostErrorCode =
  | 'AMBIGUOUS_VERSION'
  | 'NOT_RUNNING'
  | 'INVALID_REQUEST'
  | 'NO_HANDLER'
  | 'CLOSED'
  | 'BAD_CREDS'
  | 'CONNECT_FAILED'
  | 'METRICS_LISTEN_FAILED'
  | 'TOO_MANY_INSTANCES'
  | 'SYSTEM_ACCOUNT'

export class HostError extends Error {
  override readonly name = 'HostError'
  constructor(
    readonly code: HostErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
  }
}
