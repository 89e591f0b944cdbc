// COPY/ADD flags and the build options beyond the basics, end to end:
// ADD of a URL (a loopback HTTP server) with --checksum, ADD of local
// tarballs unpacked, COPY --exclude/--parents/--link, ONBUILD triggers,
// --build-context (a directory and an image), --squash and --squash-all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const store = new Store('husk-build-features-');
let server: Server;
let base: string;
const BODY = 'downloaded body\n';

before(async () => {
  store.busybox();
  server = createServer((req, res) => {
    if (req.url === '/files/tool.txt') {
      res.writeHead(200, { 'last-modified': new Date(1600000000 * 1000).toUTCString() });
      res.end(BODY);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.close();
  await store.destroyWhenIdle();
});

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(store.dir, 'ctx-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

test('ADD of an http URL: downloaded (mode 0600), --checksum verified; a mismatch fails with no image', async () => {
  const sum = createHash('sha256').update(BODY).digest('hex');
  const dir = context({ Containerfile: `FROM busybox\nADD --checksum=sha256:${sum} ${base}/files/tool.txt /opt/\nADD ${base}/files/tool.txt /renamed.txt\n` });
  const r = await store.huskAsync(['build', '-t', 'url', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(store.ok(['run', '--rm', 'url', 'cat', '/opt/tool.txt', '/renamed.txt']), `${BODY}${BODY}`.trim());
  assert.equal(store.ok(['run', '--rm', 'url', 'stat', '-c', '%a %Y', '/opt/tool.txt']), '600 1600000000');
  const before = store.ok(['images', '-a', '-q']).split('\n').length;
  const bad = context({ Containerfile: `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} ${base}/files/tool.txt /x\n` });
  const m = await store.huskAsync(['build', '-t', 'badsum', bad]);
  assert.equal(m.code, 125);
  assert.match(m.stderr, /checksum mismatch: expected sha256:0{64}, got sha256:[0-9a-f]{64}/);
  assert.equal(store.husk(['image', 'exists', 'badsum']).code, 1);
  assert.equal(store.ok(['images', '-a', '-q']).split('\n').length, before, 'no image was added');
  const missing = await store.huskAsync(['build', context({ Containerfile: `FROM busybox\nADD ${base}/nope.txt /x\n` })]);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /HTTP 404/);
});

test('ADD of local tarballs (plain and gzip) unpacks them; COPY does not; a tar escaping DEST is refused', () => {
  const dir = context({ Containerfile: 'FROM busybox\nADD app.tar.gz plain.tar /opt/\nCOPY app.tar.gz /copied/\n' });
  mkdirSync(join(dir, 'src/sub'), { recursive: true });
  writeFileSync(join(dir, 'src/sub/hello.txt'), 'hello from tar\n');
  symlinkSync('hello.txt', join(dir, 'src/sub/link'));
  assert.equal(spawnSync('tar', ['-czf', join(dir, 'app.tar.gz'), '-C', join(dir, 'src'), 'sub']).status, 0);
  assert.equal(spawnSync('tar', ['-cf', join(dir, 'plain.tar'), '-C', join(dir, 'src'), 'sub/hello.txt', '--transform', 's,sub/hello.txt,plain.txt,']).status, 0);
  store.ok(['build', '-t', 'tars', dir]);
  assert.equal(store.ok(['run', '--rm', 'tars', 'cat', '/opt/sub/hello.txt', '/opt/sub/link', '/opt/plain.txt']), 'hello from tar\nhello from tar\nhello from tar');
  assert.equal(store.ok(['run', '--rm', 'tars', 'ls', '/copied']), 'app.tar.gz');
  // An archive whose names climb out of DEST.
  const evil = context({ Containerfile: 'FROM busybox\nADD evil.tar /opt/\n' });
  writeFileSync(join(evil, 'x'), 'x');
  assert.equal(spawnSync('tar', ['-cf', join(evil, 'evil.tar'), '-C', evil, 'x', '--transform', 's,^x,../../etc/evil,', '--absolute-names']).status, 0);
  const r = store.husk(['build', evil]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /outside the archive/);
});

test('COPY --exclude, --parents and --link', () => {
  const dir = context({
    Containerfile: [
      'FROM busybox',
      'RUN mkdir -p /dst && echo old > /dst/keep',
      'COPY --exclude=*.log --exclude=tmp app/ /app/',
      'COPY --parents a/b/c.txt d/e.txt /p/',
      'COPY --link one.txt /dst/',
    ].join('\n'),
    'app/main.txt': 'main\n', 'app/debug.log': 'log\n', 'app/tmp/x': 'x\n', 'app/sub/more.txt': 'more\n',
    'a/b/c.txt': 'c\n', 'd/e.txt': 'e\n', 'one.txt': 'one\n',
  });
  store.ok(['build', '-t', 'flags', dir]);
  assert.equal(store.ok(['run', '--rm', 'flags', 'find', '/app', '/p', '-type', 'f']), ['/app/main.txt', '/app/sub/more.txt', '/p/a/b/c.txt', '/p/d/e.txt'].join('\n'));
  assert.equal(store.ok(['run', '--rm', 'flags', 'cat', '/dst/keep', '/dst/one.txt']), 'old\none');
});

test('ONBUILD triggers of a base image run in the build that uses it, and are not inherited further', () => {
  const parent = context({ Containerfile: 'FROM busybox\nONBUILD COPY trigger.txt /from-trigger.txt\nONBUILD RUN echo ran-onbuild > /onbuild.txt\n' });
  // ONBUILD survives only in Docker's format (OCI drops it, as Buildah does: format.test.ts).
  store.ok(['build', '--format', 'docker', '-t', 'onbase', parent]);
  assert.deepEqual(JSON.parse(store.ok(['inspect', '--format', '{{json .Config.OnBuild}}', 'onbase'])), ['COPY trigger.txt /from-trigger.txt', 'RUN echo ran-onbuild > /onbuild.txt']);
  const child = context({ Containerfile: 'FROM onbase\nCMD ["cat", "/from-trigger.txt", "/onbuild.txt"]\n', 'trigger.txt': 'child context\n' });
  const out = store.ok(['build', '-t', 'onchild', child]);
  assert.match(out, /STEP 2\/4: ONBUILD COPY trigger\.txt/);
  assert.equal(store.ok(['run', '--rm', 'onchild']), 'child context\nran-onbuild');
  const onbuild = JSON.parse(store.ok(['inspect', 'onchild']))[0].Config.OnBuild;
  assert.ok(!onbuild?.length, JSON.stringify(onbuild));
});

test('--build-context: a directory for COPY --from and --mount from=, an image for FROM', () => {
  const extra = context({ 'lib/util.txt': 'util from extra\n' });
  store.ok(['tag', 'busybox', 'othername:1']);
  const dir = context({
    Containerfile: 'FROM base\nCOPY --from=extra lib/util.txt /util.txt\nRUN --mount=type=bind,from=extra,target=/e cat /e/lib/util.txt > /mounted.txt\n',
  });
  store.ok(['build', '--build-context', `extra=${extra}`, '--build-context', 'base=docker-image://localhost/othername:1', '-t', 'ctxs', dir]);
  assert.equal(store.ok(['run', '--rm', 'ctxs', 'cat', '/util.txt', '/mounted.txt']), 'util from extra\nutil from extra');
  const r = store.husk(['build', '--build-context', 'x=/nonexistent/dir', dir]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /--build-context x: \/nonexistent\/dir: no such directory/);
});

test('--squash keeps the base layers and makes the new ones one; --squash-all makes one layer', () => {
  const dir = context({
    Containerfile: 'FROM busybox\nRUN echo one > /one && rm /bin/ls\nRUN echo two > /two\nCOPY f.txt /f.txt\nCMD ["cat", "/one", "/two", "/f.txt"]\n',
    'f.txt': 'f\n',
  });
  const layers = (ref: string) => JSON.parse(store.ok(['inspect', '--format', '{{json .RootFS.Layers}}', ref])).length;
  store.ok(['build', '-t', 'nosq', dir]);
  assert.equal(layers('nosq'), 4);
  store.ok(['build', '--squash', '-t', 'sq', dir]);
  assert.equal(layers('sq'), 2);
  assert.equal(store.ok(['run', '--rm', 'sq']), 'one\ntwo\nf');
  assert.equal(store.husk(['run', '--rm', 'sq', 'test', '-e', '/bin/ls']).code, 1, 'the deletion is kept as a whiteout');
  store.ok(['build', '--squash-all', '-t', 'sqall', dir]);
  assert.equal(layers('sqall'), 1);
  assert.equal(store.ok(['run', '--rm', 'sqall']), 'one\ntwo\nf');
  assert.equal(store.husk(['run', '--rm', 'sqall', 'test', '-e', '/bin/ls']).code, 1);
  assert.equal(store.ok(['run', '--rm', 'sqall', 'echo', 'shell-works']), 'shell-works');
});

test('--platform: the host platform builds (FROM --platform=$BUILDPLATFORM too); another is refused, nothing built', () => {
  const host = process.arch === 'x64' ? 'linux/amd64' : process.arch === 'arm64' ? 'linux/arm64' : `linux/${process.arch}`;
  const other = host === 'linux/amd64' ? 'linux/arm64' : 'linux/amd64';
  const ok = context({ Containerfile: 'FROM --platform=$BUILDPLATFORM busybox\nARG TARGETPLATFORM\nRUN echo "target=$TARGETPLATFORM"\n' });
  assert.match(store.ok(['build', '--platform', host, ok]), new RegExp(`target=${host}`));
  const bad = context({ Containerfile: `FROM --platform=${other} busybox\nRUN true\n` });
  const r = store.husk(['build', bad]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, new RegExp(`FROM --platform=${other}: only the host's platform \\(${host}\\) can be built here`));
  const f = store.husk(['build', '--platform', other, ok]);
  assert.equal(f.code, 125);
  assert.match(f.stderr, /only the host's platform/);
});
