// Typed errors with stable codes. The CLI entry point maps them to exit codes
// once (Podman's convention: 125 engine, 126 cannot invoke, 127 not found);
// the REST API will send `code` so clients can rebuild the same error.

export type ErrorCode =
  | 'ENGINE' | 'INVALID_ARGUMENT' | 'NO_SUCH_CONTAINER' | 'NO_SUCH_IMAGE' | 'NAME_IN_USE'
  | 'CONTAINER_STATE' | 'IMAGE_IN_USE' | 'BAD_LAYER' | 'DIGEST_MISMATCH' | 'RUNTIME'
  | 'CMD_NOT_FOUND' | 'CMD_CANNOT_INVOKE' | 'NOT_IMPLEMENTED' | 'NO_SUCH_VOLUME' | 'VOLUME_IN_USE' | 'NO_SUCH_NETWORK' | 'NETWORK_IN_USE' | 'PORT_IN_USE' | 'PORT_DENIED'
  | 'NO_SUCH_POD' | 'POD_STATE' | 'NO_SUCH_EXEC' | 'NO_SUCH_SECRET'
  /** Other containers depend on this one (they join its namespaces or require it). */
  | 'CONTAINER_IN_USE'
  /** A file path (in a container, or on the host for cp) does not exist. */
  | 'NO_SUCH_PATH'
  | 'REGISTRY' | 'UNAUTHORIZED' | 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN'
  | 'IP_IN_USE' | 'NETWORK_CONNECTED' | 'NETWORK_NOT_CONNECTED' | 'NETWORK_MODE_INVALID'
  /** A rootless prerequisite is missing (subuid ranges, a delegated cgroup, a device). */
  | 'ROOTLESS';

/**
 * The one table from error codes to what each front end reports: the CLI's
 * exit code (Podman's: 125 engine error, 126 cannot invoke, 127 not found)
 * and the REST API's HTTP status (Docker's and Podman's handlers).
 */
export const ERROR_TABLE: Record<ErrorCode, { exit: number; http: number }> = {
  ENGINE: { exit: 125, http: 500 },
  INVALID_ARGUMENT: { exit: 125, http: 400 },
  NO_SUCH_CONTAINER: { exit: 125, http: 404 },
  NO_SUCH_IMAGE: { exit: 125, http: 404 },
  NAME_IN_USE: { exit: 125, http: 409 },
  CONTAINER_STATE: { exit: 125, http: 409 },
  IMAGE_IN_USE: { exit: 125, http: 409 },
  BAD_LAYER: { exit: 125, http: 400 },
  DIGEST_MISMATCH: { exit: 125, http: 500 },
  RUNTIME: { exit: 125, http: 500 },
  CMD_NOT_FOUND: { exit: 127, http: 404 },
  CMD_CANNOT_INVOKE: { exit: 126, http: 500 },
  NOT_IMPLEMENTED: { exit: 125, http: 501 },
  NO_SUCH_VOLUME: { exit: 125, http: 404 },
  VOLUME_IN_USE: { exit: 125, http: 409 },
  NO_SUCH_NETWORK: { exit: 125, http: 404 },
  NETWORK_IN_USE: { exit: 125, http: 409 },
  PORT_IN_USE: { exit: 125, http: 500 },
  PORT_DENIED: { exit: 125, http: 500 },
  NO_SUCH_POD: { exit: 125, http: 404 },
  POD_STATE: { exit: 125, http: 409 },
  NO_SUCH_EXEC: { exit: 125, http: 404 },
  NO_SUCH_SECRET: { exit: 125, http: 404 },
  CONTAINER_IN_USE: { exit: 125, http: 409 },
  NO_SUCH_PATH: { exit: 125, http: 404 },
  REGISTRY: { exit: 125, http: 500 },
  UNAUTHORIZED: { exit: 125, http: 401 },
  MANIFEST_UNKNOWN: { exit: 125, http: 404 },
  BLOB_UNKNOWN: { exit: 125, http: 404 },
  IP_IN_USE: { exit: 125, http: 409 },
  NETWORK_CONNECTED: { exit: 125, http: 409 },
  NETWORK_NOT_CONNECTED: { exit: 125, http: 409 },
  NETWORK_MODE_INVALID: { exit: 125, http: 400 },
  ROOTLESS: { exit: 125, http: 500 },
};

export class HuskError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HuskError';
    this.code = code;
  }

  /** The CLI's exit code for this error (ERROR_TABLE). */
  get exitCode(): number {
    return ERROR_TABLE[this.code]?.exit ?? 125;
  }

  /** The REST API's status for this error (ERROR_TABLE). */
  get httpStatus(): number {
    return ERROR_TABLE[this.code]?.http ?? 500;
  }

  /** The serialisable form carried in reports and REST error bodies. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }

  /** Rebuilds the typed error from its serialised form (reports, the remote client). */
  static from(e: { code?: string; message: string }): HuskError {
    const code = (e.code && e.code in ERROR_TABLE ? e.code : 'ENGINE') as ErrorCode;
    return new HuskError(code, e.message);
  }
}

export const invalidArgument = (msg: string) => new HuskError('INVALID_ARGUMENT', msg);
export const noSuchContainer = (ref: string) =>
  new HuskError('NO_SUCH_CONTAINER', `no container with name or ID "${ref}" found: no such container`);
export const noSuchImage = (ref: string) => new HuskError('NO_SUCH_IMAGE', `${ref}: image not known`);
export const badLayer = (msg: string) => new HuskError('BAD_LAYER', msg);
export const containerState = (msg: string) => new HuskError('CONTAINER_STATE', msg);

export function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
