// RUN --mount (cache, secret, bind, tmpfs) and --secret, end to end with real
// containers: a cache keeps its content across builds; a secret is readable
// in RUN and found in no layer, no history, no inspect; mount points are
// left out of the layers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const store = new Store('husk-build-mounts-');
before(() => {
  store.busybox();
});
after(() => store.destroyWhenIdle());

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(store.dir, 'ctx-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

/** Every regular file of every layer in the store, read whole. */
function layerFiles(): { path: string; body: Buffer }[] {
  const out: { path: string; body: Buffer }[] = [];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.isFile()) out.push({ path: p, body: readFileSync(p) });
    }
  };
  walk(join(store.root, 'overlay'));
  return out;
}

test('a cache mount keeps its content across builds (and --no-cache builds); its target is not in the layer', () => {
  const dir = context({
    Containerfile: 'FROM busybox\nRUN --mount=type=cache,id=c1,target=/var/cache/x echo entry >> /var/cache/x/log && wc -l < /var/cache/x/log > /count\nCMD ["cat", "/count"]\n',
  });
  store.ok(['build', '-t', 'cache1', dir]);
  assert.equal(store.ok(['run', '--rm', 'cache1']), '1');
  store.ok(['build', '--no-cache', '-t', 'cache1', dir]);
  assert.equal(store.ok(['run', '--rm', 'cache1']), '2');
  // The same id from another Containerfile (another target) sees the same content.
  const other = context({ Containerfile: 'FROM busybox\nRUN --mount=type=cache,id=c1,target=/c,sharing=locked cat /c/log | wc -l > /n\nCMD ["cat", "/n"]\n' });
  store.ok(['build', '-t', 'cache2', other]);
  assert.equal(store.ok(['run', '--rm', 'cache2']), '2');
  assert.equal(store.husk(['run', '--rm', 'cache1', 'ls', '/var/cache/x']).code, 1, 'the mount point is not in the image');
});

test('a secret is readable in RUN (file and env) and absent from every layer, the history and inspect', () => {
  const value = `s3cr3t-${Date.now()}`;
  const file = join(store.dir, 'token.txt');
  writeFileSync(file, value);
  const dir = context({
    Containerfile: [
      'FROM busybox',
      'RUN --mount=type=secret,id=tok test "$(cat /run/secrets/tok)" = "$SECRET_WANT" && echo FILE-OK && stat -c %a /run/secrets/tok',
      'RUN --mount=type=secret,id=tok,env=TOK,required test "$TOK" = "$SECRET_WANT" && echo ENV-OK',
      'RUN --mount=type=secret,id=tok,target=/etc/tok.conf,mode=0444,uid=1000 su -s /bin/sh nobody -c true; cat /etc/tok.conf > /dev/null && echo TARGET-OK',
      'RUN --mount=type=secret,id=missing echo optional-absent',
    ].join('\n').replaceAll('$SECRET_WANT', value),
  });
  const out = store.ok(['build', '--secret', `id=tok,src=${file}`, '-t', 'sec', dir]);
  assert.match(out, /FILE-OK\n400\n/);
  assert.match(out, /ENV-OK/);
  assert.match(out, /TARGET-OK/);
  // The value itself was only ever in the Containerfile's test; strip those lines and look for it.
  const hist = store.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'sec']);
  assert.doesNotMatch(hist.replaceAll(`"${value}"`, ''), new RegExp(`${value}(?!")`));
  const inspect = store.ok(['inspect', 'sec']);
  assert.doesNotMatch(JSON.stringify(JSON.parse(inspect)[0].Config), new RegExp(value));
  for (const f of layerFiles()) assert.ok(!f.body.includes(value), `secret found in ${f.path}`);
  assert.equal(store.husk(['run', '--rm', 'sec', 'ls', '/run/secrets']).code, 1, '/run/secrets is not in the image');
  assert.equal(store.husk(['run', '--rm', 'sec', 'ls', '/etc/tok.conf']).code, 1);
  // No scratch dir of the build is left in the run root.
  assert.deepEqual(readdirSync(join(store.runroot, 'tmp')).filter((n) => n.startsWith('build-')), []);
  // A required secret that was not given fails the build.
  const req = context({ Containerfile: 'FROM busybox\nRUN --mount=type=secret,id=nope,required=true true\n' });
  const r = store.husk(['build', req]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /secret "nope" is required/);
  // --secret from an environment variable.
  const envr = store.husk(['build', '--no-cache', '--secret', 'id=tok,env=MY_TOKEN', dir], { env: { MY_TOKEN: value } });
  assert.equal(envr.code, 0, envr.stderr);
  assert.match(envr.stdout, /FILE-OK/);
});

test('bind mounts: the context read-only without its ignored files, rw writes thrown away; from a stage; tmpfs', () => {
  const dir = context({
    Containerfile: [
      'FROM busybox AS tools',
      'RUN mkdir /tools && echo tool-v1 > /tools/version',
      'FROM busybox',
      'RUN --mount=type=bind,target=/src cat /src/a.txt && ls /src && ! touch /src/new 2>/dev/null && echo RO""-OK',
      'RUN --mount=type=bind,source=sub,target=/s,rw touch /s/new && ls /s',
      'RUN --mount=type=bind,from=tools,source=/tools,target=/t cat /t/version',
      'RUN --mount=type=tmpfs,target=/scratch,size=1048576 touch /scratch/x && df /scratch | tail -1',
    ].join('\n'),
    'a.txt': 'A\n', 'ignored.txt': 'I\n', 'sub/b.txt': 'B\n', '.containerignore': 'ignored.txt\n',
  });
  const out = store.ok(['build', '-t', 'binds', dir]);
  assert.match(out, /A\nContainerfile\na\.txt\nsub\nRO-OK/);
  assert.match(out, /b\.txt\nnew\n/);
  assert.match(out, /tool-v1/);
  assert.match(out, /tmpfs\s+1024\s/);
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['b.txt'], 'rw writes do not reach the context');
  assert.equal(store.husk(['run', '--rm', 'binds', 'ls', '/src']).code, 1);
  // A bind mount's content is part of the step's key: an edit reruns it, touch does not.
  const again = store.ok(['build', '-t', 'binds', dir]);
  assert.doesNotMatch(again, /RO-OK/);
  writeFileSync(join(dir, 'a.txt'), 'A2\n');
  assert.match(store.ok(['build', '-t', 'binds', dir]), /A2\n/);
});
