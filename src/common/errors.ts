// Typed errors with stable codes. The CLI entry point maps them to exit codes
// once (Podman's convention: 125 engine, 126 cannot invoke, 127 not found);
// the REST API will send `code` so clients can rebuild the same error.

export type ErrorCode =
  | 'ENGINE' | 'INVALID_ARGUMENT' | 'NO_SUCH_CONTAINER' | 'NO_SUCH_IMAGE' | 'NAME_IN_USE'
  | 'CONTAINER_STATE' | 'IMAGE_IN_USE' | 'BAD_LAYER' | 'DIGEST_MISMATCH' | 'RUNTIME'
  | 'CMD_NOT_FOUND' | 'CMD_CANNOT_INVOKE' | 'NOT_IMPLEMENTED' | 'NO_SUCH_VOLUME' | 'VOLUME_IN_USE' | 'NO_SUCH_NETWORK' | 'NETWORK_IN_USE' | 'PORT_IN_USE' | 'PORT_DENIED'
  | 'NO_SUCH_POD' | 'POD_STATE'
  | 'REGISTRY' | 'UNAUTHORIZED' | 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN'
  | 'IP_IN_USE' | 'NETWORK_CONNECTED' | 'NETWORK_NOT_CONNECTED' | 'NETWORK_MODE_INVALID'
  /** A rootless prerequisite is missing (subuid ranges, a delegated cgroup, a device). */
  | 'ROOTLESS';

export class HuskError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, exitCode = 125, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HuskError';
    this.code = code;
    this.exitCode = exitCode;
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
