// Commander's usage errors and help, in Podman's (cobra's) words, so scripts
// and users that match on Podman's text see the same (015-help.bats).
import type { Command } from 'commander';

/** `husk image rm`: the command's path from the root. */
export function commandPath(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}

/**
 * Rewrites one commander error message (`error: unknown option '--foo'`...)
 * as cobra prints it, with Podman's hint line. `argv` tells which spelling
 * of a flag was used (`-h` or `--name`).
 */
export function podmanError(c: Command, text: string, argv: string[]): string {
  const path = commandPath(c);
  const msg = text.replace(/^error: /, '').replace(/\n\(Did you mean .*\)\s*$/s, '').trim();
  let m: RegExpExecArray | null;
  if ((m = /^unknown command '(.*)'$/.exec(msg))) return `Error: unrecognized command \`${path} ${m[1]}\`\nTry '${path} --help' for more information.\n`;
  if ((m = /^unknown option '(.*)'$/.exec(msg))) {
    const flag = m[1];
    const what = flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`;
    return `Error: ${what}\nSee '${path} --help'\n`;
  }
  if ((m = /^option '(.*)' argument missing$/.exec(msg))) {
    const [short, long] = [/(?:^|[ ,])-(\w)\b/.exec(m[1])?.[1], /--([\w-]+)/.exec(m[1])?.[1]];
    const usedShort = short && argv.includes(`-${short}`) && !(long && argv.includes(`--${long}`));
    return `Error: flag needs an argument: ${usedShort ? `'${short}' in -${short}` : `--${long}`}\nSee '${path} --help'\n`;
  }
  if ((m = /^missing required argument '(.*)'$/.exec(msg))) {
    const required = c.registeredArguments.filter((a) => a.required).length;
    return `Error: requires at least ${required} arg(s), only received ${c.args.length}\n`;
  }
  if ((m = /^too many arguments.*Expected (\d+) arguments? but got (\d+)\.$/.exec(msg))) {
    return `Error: accepts at most ${m[1]} arg(s), received ${m[2]}\n`;
  }
  return `Error: ${msg}\n`;
}

/**
 * Podman's help opens with `Usage:` on its own line, then the indented
 * synopsis with upper-case argument names: `  husk rm [options] [CONTAINERS...]`.
 * `text` is commander's own help for `c`; `argv` tells which alias was used.
 */
export function podmanHelp(c: Command, text: string, argv: string[] = []): string {
  // Named as the user typed it (`husk umount --help` shows umount, not unmount).
  const alias = c.aliases().find((a) => argv.includes(a));
  const path = alias ? `${commandPath(c).replace(/ \S+$/, '')} ${alias}` : commandPath(c);
  const args = c.usage().split(' ').filter(Boolean)
    .map((a) => (a === '[options]' || a === '[command]' ? a : a.replace(/[<>]/g, '').toUpperCase()));
  return text.replace(/^Usage: .*$/m, `Usage:\n  ${[path, ...args].join(' ')}`);
}
