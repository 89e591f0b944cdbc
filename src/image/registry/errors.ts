// Turning registry HTTP failures into HuskErrors with Podman's one-line
// wording. Distribution error bodies are {"errors":[{code,message,detail}]};
// a code is shown lowercased with spaces ("MANIFEST_UNKNOWN" → "manifest
// unknown") and its message is appended unless it only repeats the code, so
// 401 reads "unauthorized: authentication required" and a missing tag
// "manifest unknown".
import { STATUS_CODES } from 'node:http';
import { HuskError, type ErrorCode } from '../../common/errors.ts';

interface DistributionError { code?: unknown; message?: unknown }

/** The one-line text of a distribution error body, or undefined if it is not one. */
export function describeErrorBody(body: Buffer | string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString());
  } catch {
    return undefined;
  }
  const errors = (parsed as { errors?: unknown })?.errors;
  if (!Array.isArray(errors) || !errors.length) return undefined;
  return errors.map((e: DistributionError) => {
    const code = typeof e?.code === 'string' ? e.code.toLowerCase().replace(/_/g, ' ') : 'unknown';
    const message = typeof e?.message === 'string' ? e.message.trim() : '';
    return message && message.toLowerCase() !== code ? `${code}: ${message}` : code;
  }).join('; ');
}

/** The distribution error codes of a body (upper case), for classification. */
function errorCodes(body: Buffer | string): string[] {
  try {
    const errors = (JSON.parse(body.toString()) as { errors?: DistributionError[] })?.errors;
    return Array.isArray(errors) ? errors.map((e) => String(e?.code ?? '')) : [];
  } catch {
    return [];
  }
}

/** What was being fetched: picks the "not found" code and the fallback text of a bodiless 404. */
export type Subject = 'manifest' | 'blob' | 'repository' | 'other';

/**
 * The error for an unexpected HTTP status. `context` is Podman-style
 * ("reading manifest latest in host/repo") and prefixes the message.
 */
export function httpError(status: number, body: Buffer, context: string, subject: Subject = 'other'): HuskError {
  const codes = errorCodes(body);
  let text = describeErrorBody(body);
  let code: ErrorCode = 'REGISTRY';
  if (status === 401 || status === 403 || codes.includes('UNAUTHORIZED') || codes.includes('DENIED')) {
    code = 'UNAUTHORIZED';
    text ??= status === 403 ? 'denied: requested access to the resource is denied' : 'unauthorized: authentication required';
  } else if (codes.includes('DIGEST_INVALID')) {
    code = 'DIGEST_MISMATCH';
  } else if (codes.includes('MANIFEST_UNKNOWN') || codes.includes('NAME_UNKNOWN') || (status === 404 && subject === 'manifest')) {
    code = 'MANIFEST_UNKNOWN';
    text ??= 'manifest unknown';
  } else if (codes.includes('BLOB_UNKNOWN') || (status === 404 && subject === 'blob')) {
    code = 'BLOB_UNKNOWN';
    text ??= 'blob unknown to registry';
  } else if (status === 404 && subject === 'repository') {
    code = 'MANIFEST_UNKNOWN';
    text ??= 'name unknown: repository name not known to registry';
  }
  text ??= `received unexpected HTTP status: ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
  return new HuskError(code, `${context}: ${text}`);
}
