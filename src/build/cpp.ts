// Containerfile.in: a Containerfile whose name ends in ".in" is run through
// the C preprocessor first (#include, #define, #if), as Buildah does, with
// the context directory searched for `#include "..."` and --cpp-flag added.
import { spawnSync } from 'node:child_process';
import { HuskError } from '../common/errors.ts';

export function preprocess(text: string, file: string, contextDir: string, flags: string[]): string {
  const r = spawnSync('cpp', ['-E', '-iquote', contextDir, '-traditional', '-undef', '-', ...flags], { input: text, encoding: 'utf8' });
  if (r.error) throw new HuskError('ENGINE', `preprocessing ${file}: ${r.error.message}`);
  if (r.status !== 0) throw new HuskError('ENGINE', `preprocessing ${file}: exit status ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}
