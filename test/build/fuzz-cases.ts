// Deterministic mutations of the corpus Containerfiles for the fuzz test,
// and the check each one must pass: parse (then plan and expand) either
// succeeds or throws a HuskError — nothing else.
import { readdirSync, readFileSync } from 'node:fs';
import { HuskError } from '../../src/common/errors.ts';
import { StageScope } from '../../src/build/expand.ts';
import { applyInstruction, type RuntimeConfig } from '../../src/build/instructions.ts';
import { parseDockerfile } from '../../src/build/parser.ts';
import { planStages } from '../../src/build/stages.ts';

const CORPUS = new URL('./corpus/', import.meta.url);

export function corpus(): string[] {
  return readdirSync(CORPUS).sort().map((f) => readFileSync(new URL(f, CORPUS), 'utf8'));
}

/** mulberry32: a small seeded PRNG, so every run mutates the same way. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL = ['\\', '`', '$', '{', '}', '[', ']', '"', "'", '<', '<<', '\n', '\t', ' ', '=', '#', '-', '--', ':', ',', '${', '<<EOF', '<<-', '\u00e9', '\uFEFF', '\r'];
const WORDS = ['FROM ', 'RUN ', 'COPY ', 'ONBUILD ', 'HEALTHCHECK ', 'ARG ', 'ENV ', '--mount=', '--from=', 'AS ', 'EOF', '# escape=`\n', '[""]', '["a"', 'NONE', 'CMD '];

function mutate(text: string, r: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const at = () => Math.floor(r() * (text.length + 1));
  switch (Math.floor(r() * 9)) {
    case 0: { // delete a run of characters
      const i = at();
      return text.slice(0, i) + text.slice(i + 1 + Math.floor(r() * 4));
    }
    case 1: { // duplicate a character
      const i = at();
      return text.slice(0, i) + text.charAt(i) + text.slice(i);
    }
    case 2:
    case 3: { // insert a special character
      const i = at();
      return text.slice(0, i) + pick(SPECIAL) + text.slice(i);
    }
    case 4: { // insert an instruction-ish word
      const i = at();
      return text.slice(0, i) + pick(WORDS) + text.slice(i);
    }
    case 5: // truncate
      return text.slice(0, at());
    case 6: { // swap two lines
      const lines = text.split('\n');
      const a = Math.floor(r() * lines.length), b = Math.floor(r() * lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
    case 7: { // duplicate a line
      const lines = text.split('\n');
      const a = Math.floor(r() * lines.length);
      lines.splice(a, 0, lines[a]);
      return lines.join('\n');
    }
    default: { // replace a character with a special one
      const i = at();
      return text.slice(0, i) + pick(SPECIAL) + text.slice(i + 1);
    }
  }
}

/** Case `n` of the run with `seed`: a corpus file with 1–6 mutations. */
export function fuzzCase(seed: number, n: number, files: string[]): string {
  const r = rng(seed * 1_000_003 + n);
  let text = files[n % files.length];
  const count = 1 + Math.floor(r() * 6);
  for (let k = 0; k < count; k++) text = mutate(text, r);
  return text;
}

/** Parses, plans and expands every stage; returns a description of anything that is not a HuskError. */
export function check(text: string): string | undefined {
  try {
    const df = parseDockerfile(text, { file: 'Containerfile' });
    const plan = planStages(df, { buildArgs: { GO_VERSION: '1.21' } });
    for (const s of plan.stages) {
      const scope = new StageScope(plan.global, ['PATH=/usr/bin']);
      const cfg: RuntimeConfig = {};
      for (const i of s.instructions) applyInstruction(cfg, scope.apply(i));
    }
    return undefined;
  } catch (e) {
    if (e instanceof HuskError && e.code === 'INVALID_ARGUMENT' && /^Containerfile[:]|^Containerfile: /.test(e.message)) return undefined;
    if (e instanceof HuskError) return `HuskError without file:line: ${e.message}`;
    return `${(e as Error)?.stack ?? e}`;
  }
}
