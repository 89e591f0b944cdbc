// Configuration files: containers.conf (Podman's) and husk's storage.conf.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultNetworkMode, resolveConfig } from '../../src/engine/config.ts';
import { Store } from '../helpers.ts';

const s = new Store();
after(() => s.destroy());

test('storage.conf sets graph root and run root; flags override it', () => {
  const conf = join(s.dir, 'storage.conf');
  writeFileSync(conf, `[storage]\ndriver = "overlay"\ngraphroot = "${s.dir}/g"\nrunroot = "${s.dir}/r"\n`);
  process.env.HUSK_STORAGE_CONF = conf;
  try {
    const c = resolveConfig();
    assert.equal(c.root, `${s.dir}/g`);
    assert.equal(c.runroot, `${s.dir}/r`);
    assert.ok(c.configFiles.includes(conf));
    assert.equal(resolveConfig({ root: '/elsewhere' }).root, '/elsewhere');
  } finally {
    delete process.env.HUSK_STORAGE_CONF;
  }
});

test('containers.conf: runtime, default_ulimits and pids_limit are read', () => {
  const conf = join(s.dir, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=1024:2048"]\npids_limit = 100\n[engine]\nruntime = "runc"\n');
  process.env.CONTAINERS_CONF = conf;
  try {
    const c = resolveConfig();
    assert.equal(c.runtime, 'runc');
    assert.deepEqual(c.defaultUlimits, ['nofile=1024:2048']);
    assert.equal(c.pidsLimit, 100);
  } finally {
    delete process.env.CONTAINERS_CONF;
  }
});

test('the default network mode: bridge for root, containers.conf netns when set ("private" means the default)', () => {
  const rootless = { uid: 1000, gid: 1000 } as unknown as Parameters<typeof defaultNetworkMode>[0]['rootless'];
  assert.equal(defaultNetworkMode({ netns: undefined, rootless: undefined }), 'bridge');
  assert.equal(defaultNetworkMode({ netns: 'private', rootless: undefined }), 'bridge');
  assert.equal(defaultNetworkMode({ netns: 'host', rootless: undefined }), 'host');
  assert.equal(defaultNetworkMode({ netns: undefined, rootless }), 'slirp4netns');
  const conf = join(s.dir, 'netns.conf');
  writeFileSync(conf, '[containers]\nnetns = "none"\n[network]\ndefault_network = "mine"\n');
  process.env.CONTAINERS_CONF = conf;
  try {
    const c = resolveConfig();
    assert.equal(c.netns, 'none');
    assert.equal(c.defaultNetwork, 'mine');
  } finally {
    delete process.env.CONTAINERS_CONF;
  }
  s.busybox();
  assert.equal(s.husk(['run', '--rm', 'busybox', 'ls', '/sys/class/net'], { env: { CONTAINERS_CONF: conf } }).stdout.trim(), 'lo');
});

test('a broken containers.conf is a clear one-line error with exit 125', () => {
  const conf = join(s.dir, 'bad.conf');
  writeFileSync(conf, '[containers\nfoo = \n');
  const r = s.husk(['ps'], { env: { CONTAINERS_CONF: conf } });
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: reading .*bad\.conf: /);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('containers.conf default_ulimits reach the container', () => {
  s.busybox();
  const conf = join(s.dir, 'ulimits.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=1024:2048"]\n');
  const r = s.husk(['run', '--rm', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn'], { env: { CONTAINERS_CONF: conf } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '1024\n2048\n');
  const u = s.ok(['run', '--rm', '--ulimit', 'nofile=512:512', 'busybox', 'sh', '-c', 'ulimit -n']);
  assert.equal(u, '512');
});

test('info reports the runtime actually used and why', () => {
  const name = s.ok(['info', '--format', '{{.Host.OCIRuntime.Name}}']);
  assert.ok(['runc', 'crun'].includes(name));
  const runc = s.ok(['--runtime', 'runc', 'info', '--format', '{{.Host.OCIRuntime.Name}}']);
  assert.equal(runc, 'runc');
  assert.equal(s.ok(['--runtime', 'runc', 'run', '--rm', 'busybox', 'echo', 'ok']), 'ok');
});
