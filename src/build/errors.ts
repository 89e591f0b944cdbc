// Build errors carry their place: `Containerfile:7: FROM requires at least one
// argument`, the way Buildah prefixes BuildKit's messages.
import { HuskError } from '../common/errors.ts';

/** An error at a line (or a line range) of a Containerfile. */
export function syntaxError(file: string, line: number, message: string, end?: number): HuskError {
  const where = end !== undefined && end > line ? `${line}-${end}` : `${line}`;
  return new HuskError('INVALID_ARGUMENT', `${file}:${where}: ${message}`);
}

/** Re-throws an error from a helper with the file and line put in front. */
export function at(file: string, line: number, e: unknown): never {
  if (e instanceof HuskError) throw new HuskError(e.code, `${file}:${line}: ${e.message}`, { cause: e });
  throw e;
}
