// `husk build` end to end (src/build/builder.ts and src/cli/build.ts): real
// containers for RUN, images in a test store, the CLI's output checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const store = new Store('husk-build-');
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

test('multi-stage build: the final stage copies what a RUN made in the first; config visible in inspect and run', () => {
  const dir = context({
    'Containerfile': [
      'FROM busybox AS builder',
      'ARG MSG=default-msg',
      'RUN mkdir /out && echo "built $MSG" > /out/artifact',
      'FROM busybox',
      'COPY --from=builder /out/artifact /app/artifact',
      'COPY <<EOF /app/notes.txt',
      'from a heredoc',
      'EOF',
      'RUN <<EOS',
      'echo heredoc-run > /app/run.txt',
      'EOS',
      'COPY keep.txt /app/',
      'ENV GREETING=hi',
      'LABEL org.test=yes',
      'EXPOSE 8080',
      'WORKDIR /app',
      'USER 1000',
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD ["cat artifact notes.txt run.txt; pwd; id -u; echo $GREETING; ls"]',
    ].join('\n'),
    'keep.txt': 'kept\n', 'secret.txt': 'nope\n', '.containerignore': 'secret.txt\n',
  });
  const out = store.ok(['build', '--build-arg', 'MSG=from-arg', '-t', 'multi', '-t', 'multi:v2', dir]);
  assert.match(out, /\[1\/2\] STEP 1\/3: FROM busybox AS builder/);
  assert.match(out, /COMMIT multi\n--> [0-9a-f]{12}\nSuccessfully tagged localhost\/multi:latest\nSuccessfully tagged localhost\/multi:v2\n[0-9a-f]{64}$/);
  const run = store.ok(['run', '--rm', 'multi']);
  assert.equal(run, 'built from-arg\nfrom a heredoc\nheredoc-run\n/app\n1000\nhi\nartifact\nkeep.txt\nnotes.txt\nrun.txt');
  const cfg = JSON.parse(store.ok(['inspect', 'multi']))[0].Config;
  assert.equal(cfg.User, '1000');
  assert.equal(cfg.WorkingDir, '/app');
  assert.deepEqual(cfg.Entrypoint, ['/bin/sh', '-c']);
  assert.equal(cfg.Labels['org.test'], 'yes');
  assert.ok(cfg.Env.includes('GREETING=hi'));
  assert.ok('8080/tcp' in cfg.ExposedPorts);
  assert.match(store.ok(['build', '-q', dir]), /^[0-9a-f]{64}$/);
});

test('build args with defaults', () => {
  const dir = context({ Containerfile: 'FROM busybox\nARG A=one\nRUN echo "$A" > /a\nCMD ["cat", "/a"]\n' });
  store.ok(['build', '-t', 'args', dir]);
  assert.equal(store.ok(['run', '--rm', 'args']), 'one');
  store.ok(['build', '-t', 'args', '--build-arg', 'A=two', dir]);
  assert.equal(store.ok(['run', '--rm', 'args']), 'two');
});

test('cache: unchanged rebuild runs nothing; touch keeps the cache; an edit reruns from its COPY', () => {
  const dir = context({
    Containerfile: [
      'FROM busybox',
      // The quotes keep the marker out of the STEP line: it appears only when the RUN runs.
      'RUN echo RUN-EXEC""UTED first',
      'COPY data.txt /data.txt',
      'RUN echo RUN-EXEC""UTED second',
      'CMD ["cat", "/data.txt"]',
    ].join('\n'),
    'data.txt': 'v1\n',
  });
  const first = store.ok(['build', '-t', 'cached', dir]);
  assert.equal(first.match(/RUN-EXECUTED/g)?.length, 2);
  const again = store.ok(['build', '-t', 'cached', dir]);
  assert.doesNotMatch(again, /RUN-EXECUTED/);
  assert.equal(again.match(/--> Using cache/g)?.length, 4);
  utimesSync(join(dir, 'data.txt'), new Date(), new Date(Date.now() + 5000));
  const touched = store.ok(['build', '-t', 'cached', dir]);
  assert.doesNotMatch(touched, /RUN-EXECUTED/);
  appendFileSync(join(dir, 'data.txt'), 'v2\n');
  const edited = store.ok(['build', '-t', 'cached', dir]);
  assert.equal(edited.match(/RUN-EXECUTED/g)?.length, 1, edited);
  assert.match(edited, /STEP 2\/5: RUN[^\n]*\n--> Using cache/);
  assert.match(edited, /STEP 3\/5: COPY[^\n]*\n--> [0-9a-f]{12}\n/);
  assert.equal(store.ok(['run', '--rm', 'cached']), 'v1\nv2');
  const nocache = store.ok(['build', '--no-cache', '-t', 'cached', dir]);
  assert.equal(nocache.match(/RUN-EXECUTED/g)?.length, 2);
});

test('hostile context: a symlink out is copied as a link; COPY ../x is refused', () => {
  const dir = context({ Containerfile: 'FROM busybox\nCOPY link /link\n' });
  symlinkSync('/etc/shadow', join(dir, 'link'));
  store.ok(['build', '-t', 'links', dir]);
  assert.equal(store.ok(['run', '--rm', 'links', 'readlink', '/link']), '/etc/shadow');
  const bad = context({ Containerfile: 'FROM busybox\nCOPY ../x /x\n' });
  const r = store.husk(['build', bad]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /outside the build context/);
});

test('a failing RUN exits non-zero naming the step and leaves no container', () => {
  const dir = context({ Containerfile: 'FROM busybox\nRUN echo before\nRUN exit 3\n' });
  const r = store.husk(['build', dir]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /building at STEP "RUN exit 3".*exit status 3/);
  assert.equal(store.ok(['ps', '-a', '-q']), '');
});

test('several -f: the files are read in order as one Containerfile; an error names the second file and its own line', () => {
  const dir = context({ 'a.txt': 'from the context\n' });
  const files = context({ First: 'FROM busybox\nCOPY a.txt /a.txt\n', Second: '# the second file\nRUN cat /a.txt > /b.txt\nCMD ["cat", "/b.txt"]\n', Bad: '\nNOTANINSTRUCTION x\n' });
  store.ok(['build', '-q', '-t', 'twofiles', '-f', join(files, 'First'), '-f', join(files, 'Second'), dir]);
  assert.equal(store.ok(['run', '--rm', 'twofiles']), 'from the context');
  const r = store.husk(['build', '-f', join(files, 'First'), '-f', join(files, 'Bad'), dir]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, new RegExp(`${join(files, 'Bad')}:2`));
});

test('intermediate images of a build are listed only with -a (and by the intermediate filter)', () => {
  const dir = context({ Containerfile: 'FROM busybox\nENV A=1\nRUN echo x > /x\nENV B=2\n' });
  const id = store.ok(['build', '-q', '-t', 'inter', dir]);
  const plain = store.ok(['images', '-q', '--no-trunc']).split('\n');
  const all = store.ok(['images', '-a', '-q', '--no-trunc']).split('\n');
  assert.ok(plain.some((l) => l.includes(id)));
  assert.ok(all.length >= plain.length + 2, `${all.length} vs ${plain.length}`);
  const inter = store.ok(['images', '-a', '-q', '--filter', 'intermediate=true']).split('\n').filter(Boolean);
  assert.ok(inter.length >= 2, inter.join(' '));
  for (const i of inter) assert.ok(!plain.some((l) => l.startsWith(`sha256:${i}`) || l.startsWith(i)), `${i} is listed without -a`);
});
