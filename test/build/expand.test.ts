// Word processing and variable expansion (src/build/lexer.ts, expand.ts, platform.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HuskError } from '../../src/common/errors.ts';
import type { CopyInstruction, Instruction } from '../../src/build/ast.ts';
import { GlobalScope, StageScope } from '../../src/build/expand.ts';
import { lookupIn, processWord, processWords } from '../../src/build/lexer.ts';
import { parseDockerfile } from '../../src/build/parser.ts';
import { parsePlatform, platformArgs } from '../../src/build/platform.ts';

const env = lookupIn({ A: 'a', EMPTY: '', SP: 'x  y', PATH: '/usr/bin:/bin', FILE: 'dir/name.tar.gz' });
const w = (s: string) => processWord(s, env);

test('$VAR, ${VAR} and the modifiers', () => {
  assert.equal(w('$A-${A}_$UNSET.'), 'a-a_.');
  assert.equal(w('${UNSET:-def} ${EMPTY:-def} ${EMPTY-def} ${UNSET-def}'), 'def def  def');
  assert.equal(w('${A:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${UNSET+alt}'), 'alt  alt ');
  assert.equal(w('${UNSET:-${A:-x}/y}'), 'a/y');
  assert.equal(w('${FILE#*/} ${FILE##*.} ${FILE%.*} ${FILE%%.*}'), 'name.tar.gz gz dir/name.tar dir/name');
  assert.equal(w('${PATH/bin/sbin} ${PATH//bin/sbin}'), '/usr/sbin:/bin /usr/sbin:/sbin');
  assert.equal(w('$ $1 cost'), '$  cost');
  assert.throws(() => w('${A'), /missing '}'/);
  assert.throws(() => w('${}'), /bad substitution/);
  assert.throws(() => w('${UNSET:?must be set}'), (e: unknown) => e instanceof HuskError && /UNSET: must be set/.test(e.message));
  assert.throws(() => w('${A:=x}'), /unsupported modifier \(=\)/);
});

test('quotes and escapes', () => {
  assert.equal(w(`'$A' "$A" \\$A "\\$A" 'it''s'`), '$A a $A $A its');
  assert.equal(w('"a \\"q\\" \\n"'), 'a "q" \\n');
  assert.equal(w('a\\ b'), 'a b');
  assert.equal(processWord('`$A', env, { escape: '`' }), '$A');
  assert.throws(() => w('"open'), /matching double-quote/);
  assert.throws(() => w("'open"), /matching single-quote/);
  assert.deepEqual(processWords('$SP "$SP" one\\ two', env), ['x', 'y', 'x  y', 'one two']);
  assert.equal(processWord('"$A" \'x\'', env, { skipProcessQuotes: true }), '"a" \'x\'');
  assert.equal(processWord('$UNSET ${UNSET:-d} $A', env, { skipUnsetEnv: true }), '$UNSET ${UNSET:-d} a');
});

test('deeply nested substitutions are an error, not a stack overflow', () => {
  const deep = '${A:-'.repeat(5000) + '}'.repeat(5000);
  assert.throws(() => w(deep), HuskError);
});

function run(text: string, opts: ConstructorParameters<typeof GlobalScope>[1] = {}, baseEnv: string[] = []) {
  const df = parseDockerfile(text);
  const global = new GlobalScope(df, opts);
  const stages: { scope: StageScope; out: Instruction[] }[] = [];
  for (const i of df.instructions) {
    if (i.kind === 'FROM') stages.push({ scope: new StageScope(global, baseEnv), out: [global.expandFrom(i)] });
    else if (stages.length) stages.at(-1)!.out.push(stages.at(-1)!.scope.apply(i));
  }
  return { global, stages };
}

test('ARG scope: global ARGs only in FROM, re-declaring imports the value', () => {
  const { stages } = run([
    'ARG IMG=alpine', 'ARG TAG=3.19', 'ARG V=${TAG}-x',
    'FROM ${IMG}:${TAG}', 'LABEL tag=${TAG:-unset} v=$V',
    'ARG TAG', 'LABEL tag=${TAG}',
    'FROM $IMG AS two', 'ARG V', 'ARG L=${V}/local', 'WORKDIR /$L',
  ].join('\n'));
  const [s1, s2] = stages;
  assert.equal((s1.out[0] as Instruction & { image: string }).image, 'alpine:3.19');
  assert.deepEqual((s1.out[1] as Instruction & { pairs: unknown }).pairs, [{ key: 'tag', value: 'unset' }, { key: 'v', value: '' }]);
  assert.deepEqual((s1.out[3] as Instruction & { pairs: unknown }).pairs, [{ key: 'tag', value: '3.19' }]);
  assert.equal((s2.out[3] as Instruction & { value: string }).value, '/3.19-x/local');
});

test('build args override defaults; ENV wins over ARG; each ENV sees the env from before it', () => {
  const { stages, global } = run([
    'ARG TAG=1', 'FROM x:$TAG', 'ARG TAG', 'ARG MODE=debug', 'ARG NOVAL', 'ENV MODE=env', 'LABEL mode=$MODE noval=${NOVAL-unset}',
    'ENV A=1', 'ENV A=2 B=$A', 'USER ${B}', 'RUN echo $MODE',
  ].join('\n'), { buildArgs: { TAG: '9', MODE: 'release', EXTRA: 'x' } });
  const s = stages[0];
  assert.equal((s.out[0] as Instruction & { image: string }).image, 'x:9');
  assert.deepEqual((s.out[5] as Instruction & { pairs: unknown }).pairs, [{ key: 'mode', value: 'env' }, { key: 'noval', value: 'unset' }]);
  assert.equal((s.out[8] as Instruction & { value: string }).value, '1');
  // RUN is left to the shell.
  assert.deepEqual((s.out[9] as Instruction & { command: unknown }).command, { form: 'shell', line: 'echo $MODE' });
  assert.deepEqual(s.scope.runEnv(), { TAG: '9', MODE: 'env', A: '2', B: '1' });
  assert.deepEqual(global.unusedBuildArgs(), ['EXTRA']);
});

test('the base image env is visible and overrides ARG', () => {
  const { stages } = run('FROM x\nARG HOME=/arg\nENV PATH=$PATH:/opt/bin\nWORKDIR $HOME', {}, ['PATH=/bin', 'HOME=/root']);
  assert.deepEqual((stages[0].out[2] as Instruction & { pairs: unknown }).pairs, [{ key: 'PATH', value: '/bin:/opt/bin' }]);
  assert.equal((stages[0].out[3] as Instruction & { value: string }).value, '/root');
});

test('built-in platform ARGs: in FROM always, in a stage after ARG', () => {
  const { stages } = run('FROM --platform=$BUILDPLATFORM img-$TARGETARCH\nLABEL a=${TARGETARCH:-none}\nARG TARGETARCH TARGETPLATFORM\nLABEL a=$TARGETARCH p=$TARGETPLATFORM', { platform: parsePlatform('linux/arm/v7'), buildPlatform: parsePlatform('linux/amd64') });
  const from = stages[0].out[0] as Instruction & { image: string; platform: string };
  assert.deepEqual([from.image, from.platform], ['img-arm', 'linux/amd64']);
  assert.deepEqual((stages[0].out[1] as Instruction & { pairs: unknown }).pairs, [{ key: 'a', value: 'none' }]);
  assert.deepEqual((stages[0].out[3] as Instruction & { pairs: unknown }).pairs, [{ key: 'a', value: 'arm' }, { key: 'p', value: 'linux/arm/v7' }]);
  assert.deepEqual(platformArgs(parsePlatform('arm64')), {
    ...platformArgs(parsePlatform('linux/arm64/v8')),
  });
  assert.equal(platformArgs(parsePlatform('linux/arm64')).TARGETVARIANT, '');
});

test('which instructions expand: COPY paths, flags and heredoc bodies; not CMD/ENTRYPOINT', () => {
  const { stages } = run([
    'FROM x', 'ARG D=/dst', 'ARG U=app', 'ARG S=src',
    'COPY --chown=$U:$U --from=${S}stage $S/a "$S"b $D/', 'COPY <<EOF <<"RAW" $D/',
    'value "$U" \\$U', 'EOF', '$U', 'RAW',
    'EXPOSE ${P:-80} 443', 'VOLUME $D', 'STOPSIGNAL ${SIG:-SIGTERM}',
    'CMD echo $U', 'ENTRYPOINT ["$U"]', 'RUN --mount=type=cache,target=$D/cache true',
  ].join('\n'));
  const o = stages[0].out;
  const c = o[4] as CopyInstruction;
  assert.deepEqual([c.chown, c.from, c.sources, c.dest], ['app:app', 'srcstage', ['src/a', 'srcb'], '/dst/']);
  const h = o[5] as CopyInstruction;
  assert.deepEqual(h.sources, ['<<EOF', '<<"RAW"']);
  assert.deepEqual(h.heredocs.map((x) => x.content), ['value "app" $U\n', '$U\n']);
  assert.deepEqual((o[6] as Instruction & { ports: string[] }).ports, ['80', '443']);
  assert.deepEqual((o[7] as Instruction & { paths: string[] }).paths, ['/dst']);
  assert.equal((o[8] as Instruction & { value: string }).value, 'SIGTERM');
  assert.deepEqual((o[9] as Instruction & { command: unknown }).command, { form: 'shell', line: 'echo $U' });
  assert.deepEqual((o[10] as Instruction & { command: unknown }).command, { form: 'exec', args: ['$U'] });
  assert.deepEqual((o[11] as Instruction & { mounts: unknown }).mounts, [{ type: 'cache', target: '/dst/cache' }]);
});

test('expansion errors name the file, line and instruction', () => {
  assert.throws(() => run('FROM x\n\nWORKDIR ${oops'), (e: unknown) => e instanceof HuskError && e.message === "Containerfile:3: WORKDIR: syntax error: missing '}'");
  assert.throws(() => run('ARG A\nFROM ${A}'), /Containerfile:2: FROM: base name \(\$\{A\}\) should not be blank/);
});
