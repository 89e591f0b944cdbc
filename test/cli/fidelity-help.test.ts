// Every command's --help and the usage errors, as Podman's 015-help.bats checks
// them. The commands come from `husk --help` itself (main.ts's command table)
// and each group's own --help, recursively: no hand-kept list.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';

const s = new Store();
after(() => s.destroy());

/** The subcommands a --help text lists under "Commands:". */
function listed(help: string): string[] {
  const section = help.split(/^Commands:\n/m)[1] ?? '';
  return section.split('\n\n')[0].split('\n').map((l) => /^ {2}([^\s|]+)/.exec(l)?.[1]).filter((n): n is string => !!n && n !== 'help');
}

test('every command: --help exits 0 and opens with Podman\'s usage line naming the command', async () => {
  const top = s.ok(['--help']);
  const queue = listed(top).map((c) => [c]);
  assert.ok(queue.length > 40, `only ${queue.length} commands listed`);
  let checked = 0;
  const check = async (path: string[]) => {
    const r = await s.huskAsync([...path, '--help']);
    assert.equal(r.code, 0, `${path.join(' ')}: ${r.stderr}`);
    // 015-help.bats: the line after "Usage:" is "  podman CMD ...", options before upper-case arguments.
    const usage = /^Usage:\n {2}(.*)$/m.exec(r.stdout)?.[1];
    assert.ok(usage, `${path.join(' ')}: no Usage: line in\n${r.stdout}`);
    assert.ok(`${usage} `.startsWith(`husk ${path.join(' ')} `), `${path.join(' ')}: ${usage}`);
    const args = usage.slice(`husk ${path.join(' ')}`.length).replace('[options]', '').trim();
    if (args === '[command]') queue.push(...listed(r.stdout).map((c) => [...path, c]));
    else assert.doesNotMatch(args, /[a-z]/, `${path.join(' ')}: argument names must be upper case: ${usage}`);
    checked++;
  };
  // Three at a time: a Node start each, and there are about 200.
  const worker = async () => { for (let p = queue.shift(); p; p = queue.shift()) await check(p); };
  while (queue.length) await Promise.all([worker(), worker(), worker()]);
  assert.ok(checked > 100, `checked ${checked}`);
});

test('usage errors in Podman\'s words, exit 125 (015-help.bats, cobra)', () => {
  const cases: [string[], string][] = [
    [['foo'], "Error: unrecognized command `husk foo`\nTry 'husk --help' for more information.\n"],
    [['image', 'NoSuchCommand'], "Error: unrecognized command `husk image NoSuchCommand`\nTry 'husk image --help' for more information.\n"],
    [['ps', '--foo'], "Error: unknown flag: --foo\nSee 'husk ps --help'\n"],
    [['ps', '-Z'], "Error: unknown shorthand flag: 'Z' in -Z\nSee 'husk ps --help'\n"],
    [['run', '-h'], "Error: flag needs an argument: 'h' in -h\nSee 'husk run --help'\n"],
    [['run', '--name'], "Error: flag needs an argument: --name\nSee 'husk run --help'\n"],
  ];
  for (const [args, stderr] of cases) {
    const r = s.husk(args);
    assert.deepEqual([r.code, r.stderr], [125, stderr], args.join(' '));
  }
  const none = s.husk([]);
  assert.equal(none.code, 125);
  assert.match(none.stderr, /Error: missing command 'husk COMMAND'\nTry 'husk --help' for more information.\n$/);
  const group = s.husk(['image']);
  assert.equal(group.code, 125);
  assert.match(group.stderr, /Usage:[\s\S]*Error: missing command 'husk image COMMAND'/);
  // Required and excess arguments: one of the messages 015-help.bats accepts.
  const few = s.husk(['rename', 'a']);
  assert.equal(few.code, 125);
  assert.match(few.stderr, /^Error:.* (require|specif|must|provide|need|choose|accepts)/);
  const many = s.husk(['rename', 'a', 'b', 'c']);
  assert.equal(many.code, 125);
  assert.match(many.stderr, /^Error:.* (takes no arguments|requires exactly 2 arg|accepts at most|too many arguments)/);
});
