// husk completion bash|zsh|fish|powershell: scripts generated from the
// commander tree, exercised in the real shells (bash's compgen through the
// completion function, fish's `complete -C`, zsh's function with its
// completion builtins stood in for by printers).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const s = new Store();
const files: Record<string, string> = {};
before(() => {
  for (const sh of ['bash', 'zsh', 'fish', 'powershell']) {
    files[sh] = join(s.dir, `husk.${sh}`);
    writeFileSync(files[sh], s.ok(['completion', sh]) + '\n');
  }
});
after(() => s.destroyWhenIdle());

function sh(argv: string[], script: string): string {
  const r = spawnSync(argv[0], [...argv.slice(1), script], { encoding: 'utf8', cwd: s.dir });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The words bash's completion function offers for the typed words (the last one is being completed). */
function bashComplete(...words: string[]): string[] {
  const arr = words.map((w) => `'${w}'`).join(' ');
  return sh(['bash', '-c'], `source ${files.bash}; COMP_WORDS=(husk ${arr}); COMP_CWORD=${words.length}; _husk; printf '%s\\n' "\${COMPREPLY[@]}"`).split('\n').filter(Boolean);
}

test('bash: the script registers _husk for husk; commands, subcommands and flags come from the command tree', () => {
  assert.equal(sh(['bash', '-c'], `source ${files.bash}; complete -p husk`).trim(), 'complete -F _husk husk');
  assert.deepEqual(bashComplete('co').sort(), ['commit', 'completion', 'compose', 'container']);
  const c = bashComplete('c');
  for (const w of ['commit', 'container', 'cp', 'create']) assert.ok(c.includes(w), `husk c offers ${w}: ${c.join(' ')}`);
  // New subcommands of this issue, under their groups; global flags and their values are skipped.
  assert.deepEqual(bashComplete('container', 'cl').sort(), ['cleanup', 'clone']);
  assert.deepEqual(bashComplete('--root', '/tmp/x', 'system', 'r').sort(), ['renumber', 'reset']);
  assert.deepEqual(bashComplete('pod', 'cl'), ['clone']);
  assert.deepEqual(bashComplete('run', '--netw').sort(), ['--network', '--network-alias']);
  // A flag's value is not taken for a command: `-e run` does not make run the command.
  assert.deepEqual(bashComplete('exec', '-e', 'run', '--detach-k'), ['--detach-keys']);
  assert.ok(bashComplete('system', 'df', '--').includes('--verbose'));
});

test('bash: every command husk --help lists is offered at the top level', () => {
  const help = s.ok(['--help']);
  const listed = help.slice(help.indexOf('Commands:')).split('\n').map((l) => /^  ([a-z][\w-]*)\s/.exec(l)?.[1]).filter((x): x is string => !!x && x !== 'help');
  assert.ok(listed.length > 50);
  const offered = new Set(bashComplete(''));
  for (const c of listed) assert.ok(offered.has(c), `${c} is completed`);
});

test('fish: complete -C offers the same words', () => {
  const complete = (line: string) => sh(['fish', '-c'], `source ${files.fish}; complete -C '${line}'`).split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
  assert.deepEqual(complete('husk co').sort(), ['commit', 'completion', 'compose', 'container']);
  assert.deepEqual(complete('husk container cl').sort(), ['cleanup', 'clone']);
  assert.deepEqual(complete('husk --root /x system r').sort(), ['renumber', 'reset']);
  assert.deepEqual(complete('husk run --netw').sort(), ['--network', '--network-alias']);
});

test('zsh: the function offers subcommands with descriptions and flags', () => {
  const zsh = (words: string[]) => sh(['zsh', '-c'],
    `compdef() {}; _files() { echo FILES }; _describe() { print -l -- \${(P)\${@[-1]}} }; source ${files.zsh}; words=(husk ${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length + 1}; _husk`)
    .split('\n').filter(Boolean);
  const top = zsh(['co']).filter((l) => l.startsWith('co'));
  assert.ok(top.includes('container:Manage containers'), top.join(';'));
  assert.deepEqual(zsh(['container', 'cl']).filter((l) => l.startsWith('cl')).map((l) => l.split(':')[0]).sort(), ['cleanup', 'clone']);
  assert.ok(zsh(['run', '--netw']).some((l) => l.startsWith('--network:')));
});

test('powershell: a completer over the same table; unknown shells are refused', () => {
  const ps = s.ok(['completion', 'powershell']);
  assert.match(ps, /Register-ArgumentCompleter -Native -CommandName husk/);
  assert.match(ps, /'container' = @\([^\n]*'clone'/);
  const r = s.husk(['completion', 'tcsh']);
  assert.equal(r.code, 125);
  assert.equal(r.stderr, 'Error: tcsh is not a supported shell (bash, zsh, fish, powershell)\n');
  // --no-desc drops descriptions; -f writes a file.
  assert.doesNotMatch(s.ok(['completion', '--no-desc', 'fish']), / -d 'Manage containers'/);
  const out = join(s.dir, 'out.bash');
  assert.equal(s.ok(['completion', '-f', out, 'bash']), '');
  assert.equal(sh(['bash', '-c'], `source ${out}; complete -p husk`).trim(), 'complete -F _husk husk');
});
