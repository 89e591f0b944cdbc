// Building the per-item reports of batch verbs: an error becomes its
// serialisable form (code and message) so it can cross the REST API and be
// rebuilt by HuskError.from on the other side.
import { HuskError } from '../common/errors.ts';
import type { ReportError } from './api.ts';

export function toReportError(err: unknown): ReportError {
  if (err instanceof HuskError) return err.toJSON();
  return { code: 'ENGINE', message: err instanceof Error ? err.message : String(err) };
}
