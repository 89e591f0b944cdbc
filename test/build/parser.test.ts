// The Containerfile grammar (src/build/parser.ts, lines.ts, words.ts, flags.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HuskError } from '../../src/common/errors.ts';
import type { CopyInstruction, Instruction, RunInstruction } from '../../src/build/ast.ts';
import { parseDockerfile, parseInstruction } from '../../src/build/parser.ts';

const parse = (text: string) => parseDockerfile(text, { file: 'Containerfile' });
const only = <T extends Instruction>(text: string, n = 0) => parse(text).instructions[n] as T;

function throwsAt(text: string, message: string | RegExp) {
  assert.throws(() => parse(text), (e: unknown) => {
    assert.ok(e instanceof HuskError, `not a HuskError: ${e}`);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('directives only at the top, case-insensitive, unknown ones end them', () => {
  const df = parse('# syntax=docker/dockerfile:1\n#ESCAPE = `\n# check=skip=all\nFROM a\n');
  assert.deepEqual(df.directives, { escape: '`', syntax: 'docker/dockerfile:1', check: 'skip=all' });
  assert.equal(parse('# hello\n# escape=`\nFROM a').directives.escape, '\\');
  assert.equal(parse('\n# escape=`\nFROM a').directives.escape, '\\');
  assert.equal(parse('FROM a\n# escape=`\n').directives.escape, '\\');
  throwsAt('# escape=x\nFROM a', /^Containerfile:1: invalid escape token 'x'/);
  throwsAt('# escape=\\\n# escape=`\nFROM a', 'Containerfile:2: only one escape parser directive can be used');
});

test('comments, blank lines and a BOM are skipped; line numbers are physical', () => {
  const df = parse('\uFEFF# c\n\nFROM a\n  # indented comment\nRUN x\n');
  assert.deepEqual(df.instructions.map((i) => [i.kind, i.loc.start, i.loc.end]), [['FROM', 3, 3], ['RUN', 5, 5]]);
});

test('continuations with \\ and with `, comment and empty lines inside', () => {
  const r = only<RunInstruction>('FROM a\nRUN echo a \\\n# comment\n  && echo b \\\n\n  && echo c\n', 1);
  assert.deepEqual(r.command, { form: 'shell', line: 'echo a   && echo b   && echo c' });
  assert.deepEqual([r.loc.start, r.loc.end], [2, 6]);
  const df = parse('# escape=`\nFROM a\nRUN dir C:\\ `\n  /b\n');
  assert.deepEqual((df.instructions[1] as RunInstruction).command, { form: 'shell', line: 'dir C:\\   /b' });
  assert.equal(parse('FROM a\nRUN a \\\n\n b').warnings.length, 1);
  // A continuation at the end of the file just ends the instruction.
  assert.deepEqual(only<RunInstruction>('FROM a\nRUN x \\', 1).command, { form: 'shell', line: 'x' });
  // Trailing whitespace after the escape still continues.
  assert.deepEqual(only<RunInstruction>('FROM a\nRUN x \\  \ny', 1).command, { form: 'shell', line: 'x y' });
});

test('exec vs shell form', () => {
  assert.deepEqual(only<RunInstruction>('RUN ["a", "b c"]').command, { form: 'exec', args: ['a', 'b c'] });
  assert.deepEqual(only<RunInstruction>('RUN [not json').command, { form: 'shell', line: '[not json' });
  assert.deepEqual(only('CMD ["x"]'), { kind: 'CMD', loc: { file: 'Containerfile', start: 1, end: 1 }, original: 'CMD ["x"]', flags: [], command: { form: 'exec', args: ['x'] } });
  throwsAt('CMD ["a", 1]', 'Containerfile:1: CMD: when using JSON array syntax, arrays must be comprised of strings only');
  throwsAt('SHELL /bin/sh -c', 'Containerfile:1: SHELL requires the arguments to be in JSON form');
  assert.deepEqual(only<Instruction & { args: string[] }>('shell ["/bin/bash", "-c"]').args, ['/bin/bash', '-c']);
});

test('heredocs: RUN, COPY, several per line, <<- and quoted delimiters, fds', () => {
  const text = 'FROM a\nRUN <<A cat >/a && <<-"B" cat >/b\nline $X\nA\n\t\tstripped\n\tB\nCOPY <<x.txt 3<<\'Y\' /dst/\nx body\nx.txt\ny\nY\nRUN echo "<<NOT" done\n';
  const df = parse(text);
  const run = df.instructions[1] as RunInstruction;
  assert.deepEqual(run.heredocs, [
    { name: 'A', expand: true, chomp: false, fd: 0, content: 'line $X\n' },
    { name: 'B', expand: false, chomp: true, fd: 0, content: 'stripped\n' },
  ]);
  assert.deepEqual([run.loc.start, run.loc.end], [2, 6]);
  const copy = df.instructions[2] as CopyInstruction;
  assert.deepEqual(copy.sources, ['<<x.txt', "3<<'Y'"]);
  assert.equal(copy.dest, '/dst/');
  assert.deepEqual(copy.heredocs.map((h) => [h.name, h.content, h.expand, h.fd]), [['x.txt', 'x body\n', true, 0], ['Y', 'y\n', false, 3]]);
  assert.deepEqual((df.instructions[3] as RunInstruction).heredocs, []);
  assert.equal(df.instructions[3].loc.start, 12);
  // The body is kept verbatim: continuation escapes and comments are not processed in it.
  assert.equal(only<RunInstruction>('RUN <<E\na \\\n# not a comment\nE', 0).heredocs[0].content, 'a \\\n# not a comment\n');
  assert.equal(only<RunInstruction>('RUN <<E\nno newline at end\nE').heredocs[0].content, 'no newline at end\n');
  // ONBUILD RUN keeps its heredoc.
  const ob = only<Instruction & { trigger: RunInstruction }>('ONBUILD RUN <<E\nhi\nE');
  assert.equal(ob.trigger.heredocs[0].content, 'hi\n');
  throwsAt('FROM a\nRUN <<EOF\nnever ends\n', /^Containerfile:2-3: unterminated heredoc EOF$/);
});

test('instruction flags', () => {
  const c = only<CopyInstruction>('COPY --from=build --chown=1:1 --chmod=0755 --link --exclude=*.md --exclude=a/ src /dst');
  assert.deepEqual([c.from, c.chown, c.chmod, c.link, c.excludes, c.sources, c.dest], ['build', '1:1', '0755', true, ['*.md', 'a/'], ['src'], '/dst']);
  const a = only<CopyInstruction>('ADD --checksum=sha256:abc --keep-git-dir=false --link=false https://x/y /z');
  assert.deepEqual([a.kind, a.checksum, a.keepGitDir, a.link], ['ADD', 'sha256:abc', false, false]);
  const r = only<RunInstruction>('RUN --mount=type=cache,target=/root/.cache,sharing=locked --mount=type=secret,id=tok --mount=src=.,dst=/s,ro --network=none --security=insecure make');
  assert.deepEqual(r.mounts, [
    { type: 'cache', target: '/root/.cache', sharing: 'locked' }, { type: 'secret', id: 'tok' },
    { source: '.', target: '/s', readonly: 'true', type: 'bind' },
  ]);
  assert.deepEqual([r.network, r.security], ['none', 'insecure']);
  assert.equal(only<Instruction & { platform?: string }>('FROM --platform=$BUILDPLATFORM golang AS b').platform, '$BUILDPLATFORM');
  assert.deepEqual(only<CopyInstruction>('COPY --chown="a b" x y').chown, 'a b');
  throwsAt('FROM a\nCOPY --frm=x a b', 'Containerfile:2: COPY: unknown flag: frm');
  throwsAt('COPY --from a b', 'Containerfile:1: COPY: missing a value on flag: from');
  throwsAt('COPY --link=maybe a b', 'Containerfile:1: COPY: expecting boolean value for flag link, not: maybe');
  throwsAt('COPY --from=a --from=b a b', 'Containerfile:1: COPY: duplicate flag specified: from');
  throwsAt('RUN --mount=type=nfs,target=/x a', 'Containerfile:1: RUN: unsupported mount type "nfs"');
  throwsAt('RUN --mount=type=cache a', 'Containerfile:1: RUN: mount type cache requires a target');
  throwsAt('RUN --network=bridge a', 'Containerfile:1: RUN: unsupported network mode "bridge"');
  throwsAt('ENV --x=1 A=b', 'Containerfile:1: ENV: unknown flag: x');
});

test('FROM, case-insensitive names and stage names', () => {
  const f = only<Instruction & { image: string; name?: string }>('from Alpine:3 As Builder');
  assert.deepEqual([f.kind, f.image, f.name], ['FROM', 'Alpine:3', 'builder']);
  throwsAt('ARG X\n\nFROM', 'Containerfile:3: FROM requires at least one argument');
  throwsAt('FROM a b', 'Containerfile:1: FROM requires either one or three arguments');
  throwsAt('FROM a AS 1x', /invalid name for build stage: "1x"/);
  throwsAt('FORM a', 'Containerfile:1: unknown instruction: FORM (did you mean FROM?)');
  throwsAt('FROM a\nfoo bar', 'Containerfile:2: unknown instruction: foo');
});

test('ENV, LABEL and ARG pairs keep quotes for the expansion step', () => {
  assert.deepEqual(only<Instruction & { pairs: unknown }>('ENV A=1 B="x y" C=a\\ b').pairs, [{ key: 'A', value: '1' }, { key: 'B', value: '"x y"' }, { key: 'C', value: 'a\\ b' }]);
  assert.deepEqual(only<Instruction & { pairs: unknown }>('ENV OLD some value  here').pairs, [{ key: 'OLD', value: 'some value  here' }]);
  assert.deepEqual(only<Instruction & { pairs: unknown }>('LABEL "com.x"="v 1" b=\'2\'').pairs, [{ key: '"com.x"', value: '"v 1"' }, { key: 'b', value: "'2'" }]);
  assert.deepEqual(only<Instruction & { args: unknown }>('ARG A B=2 C=').args, [{ name: 'A' }, { name: 'B', value: '2' }, { name: 'C', value: '' }]);
  throwsAt('ENV A', 'Containerfile:1: ENV must have two arguments');
  throwsAt('ENV A=1 B', /^Containerfile:1: ENV: Syntax error - can't find = in "B"/);
  throwsAt('LABEL =x', 'Containerfile:1: LABEL names can not be blank');
  throwsAt('ARG', 'Containerfile:1: ARG requires at least one argument');
});

test('COPY/ADD forms, VOLUME, EXPOSE, USER, WORKDIR, STOPSIGNAL, MAINTAINER', () => {
  const j = only<CopyInstruction>('COPY ["a b", "c", "/d e/"]');
  assert.deepEqual([j.json, j.sources, j.dest], [true, ['a b', 'c'], '/d e/']);
  throwsAt('COPY onlyone', 'Containerfile:1: COPY requires at least two arguments, but only one was provided. Destination could not be determined.');
  assert.deepEqual(only<Instruction & { paths: string[] }>('VOLUME ["/a", "/b"]').paths, ['/a', '/b']);
  assert.deepEqual(only<Instruction & { paths: string[] }>('VOLUME /a /b').paths, ['/a', '/b']);
  throwsAt('VOLUME [""]', 'Containerfile:1: VOLUME specified can not be an empty string');
  assert.deepEqual(only<Instruction & { ports: string[] }>('EXPOSE 80 443/udp').ports, ['80', '443/udp']);
  assert.equal(only<Instruction & { value: string }>('USER app:grp').value, 'app:grp');
  assert.equal(only<Instruction & { value: string }>('WORKDIR /my dir').value, '/my dir');
  throwsAt('USER', 'Containerfile:1: USER requires exactly one argument');
  assert.equal(only<Instruction & { value: string }>('MAINTAINER Jane <j@x>').value, 'Jane <j@x>');
});

test('ONBUILD and HEALTHCHECK', () => {
  const ob = only<Instruction & { expression: string; trigger: Instruction }>('ONBUILD   COPY --chown=1 . /app');
  assert.equal(ob.expression, 'COPY --chown=1 . /app');
  assert.equal(ob.trigger.kind, 'COPY');
  throwsAt('ONBUILD ONBUILD RUN x', 'Containerfile:1: ONBUILD: Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  throwsAt('ONBUILD FROM x', "Containerfile:1: ONBUILD: FROM isn't allowed as an ONBUILD trigger");
  const h = only<Instruction & Record<string, unknown>>('HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=5s --start-interval=2s --retries=3 CMD curl -f http://x/');
  assert.deepEqual([h.interval, h.timeout, h.startPeriod, h.startInterval, h.retries], [90e9, 500e6, 5e9, 2e9, 3]);
  assert.deepEqual(h.command, { form: 'shell', line: 'curl -f http://x/' });
  assert.equal(only<Instruction & { none: boolean }>('healthcheck none').none, true);
  throwsAt('HEALTHCHECK NONE x', 'Containerfile:1: HEALTHCHECK NONE takes no arguments');
  throwsAt('HEALTHCHECK CMD', 'Containerfile:1: Missing command after HEALTHCHECK CMD'.replace('Missing', 'HEALTHCHECK: Missing'));
  throwsAt('HEALTHCHECK SHELL x', /Unknown type "SHELL" in HEALTHCHECK \(try CMD\)/);
  throwsAt('HEALTHCHECK --interval=5 CMD x', /time: (invalid duration|unknown unit)/);
  throwsAt('HEALTHCHECK --interval=1us CMD x', /Interval "interval" cannot be less than 1ms/);
  throwsAt('HEALTHCHECK --retries=-1 CMD x', /--retries cannot be negative \(-1\)/);
  throwsAt('HEALTHCHECK --bogus=1 CMD x', 'Containerfile:1: HEALTHCHECK: unknown flag: bogus');
});

test('parseInstruction parses one line', () => {
  assert.deepEqual(parseInstruction('EXPOSE 80').kind, 'EXPOSE');
});
