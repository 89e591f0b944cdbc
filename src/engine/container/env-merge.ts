// --env-merge NAME=WORD: WORD's $VAR and ${VAR} expanded against the default
// environment (PATH, the image's, container) with the Dockerfile word rules
// Podman uses (imagebuilder.ProcessWord). Loaded only when the flag is given.
import { invalidArgument } from '../../common/errors.ts';
import { processWord } from '../../build/lexer.ts';
import type { ImageRecord } from '../../image/types.ts';
import type { ContainerSpec } from '../../specgen/container.ts';
import { defaultEnv } from './spec.ts';

/**
 * The spec's env with each merged variable added, as Podman 4.3 resolves
 * them at create: only a variable the defaults have is replaced (a new
 * name is ignored), and not one the spec sets itself or unsets.
 */
export function mergeEnv(intent: ContainerSpec, img: ImageRecord): Record<string, string> {
  const defaults = defaultEnv(intent, img);
  const env = { ...intent.env };
  for (const m of intent.envMerge ?? []) {
    let word: string;
    try {
      word = processWord(m, (name) => defaults.get(name));
    } catch (err) {
      throw invalidArgument(`unable to process variables for --env-merge ${m}: ${(err as Error).message}`);
    }
    const eq = word.indexOf('=');
    if (eq < 0) throw invalidArgument(`missing \`=\` for --env-merge substitution ${m}`);
    const name = word.slice(0, eq);
    if (!defaults.has(name)) continue;
    defaults.set(name, word.slice(eq + 1));
    if (!Object.hasOwn(env, name) && !intent.unsetEnv?.includes(name) && !intent.unsetEnvAll) env[name] = word.slice(eq + 1);
  }
  return env;
}
