// /etc/hosts, /etc/resolv.conf, /etc/hostname and /run/.containerenv in a
// container with a user namespace belong to its root, as Podman chowns them
// (libpod: c.RootUID()/RootGID()), not to the overflow id (nobody) they
// would show as when owned by the host's root.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, statSync } from 'node:fs';
import { Store } from '../helpers.ts';

const s = new Store();
before(() => {
  // The mapped root must traverse to the rootfs: mkdtemp's 0700 would stop it.
  chmodSync(s.dir, 0o711);
  s.busybox();
});
after(async () => {
  s.husk(['rm', '-af']);
  await s.destroyWhenIdle();
});

const FILES = ['/etc/hosts', '/etc/resolv.conf', '/etc/hostname', '/run/.containerenv'];
const map = ['--uidmap', '0:100000:65536', '--gidmap', '0:200000:65536'];

test('--uidmap/--gidmap: the generated files are root\'s inside (the mapped ids outside) and root can write them', () => {
  for (const network of ['bridge', 'none']) {
    const out = s.ok(['run', '--rm', '--network', network, ...map, 'busybox', 'sh', '-c',
      `stat -c '%n %u:%g' ${FILES.join(' ')} && echo '10.1.2.3 extra' >> /etc/hosts && tail -1 /etc/hosts`]);
    assert.deepEqual(out.split('\n'), [...FILES.map((f) => `${f} 0:0`), '10.1.2.3 extra'], network);
  }
  // On the host: the container's root, mapped (uid 100000, gid 200000).
  s.ok(['create', '--name', 'u1', ...map, 'busybox', 'true']);
  s.ok(['start', '-a', 'u1']);
  for (const key of ['HostsPath', 'ResolvConfPath', 'HostnamePath']) {
    const st = statSync(s.ok(['inspect', 'u1', '--format', `{{.${key}}}`]));
    assert.deepEqual([st.uid, st.gid], [100000, 200000], key);
  }
  s.ok(['rm', 'u1']);
});

test('without a user namespace they stay the host root\'s, which is root inside too', () => {
  const out = s.ok(['run', '--rm', '--network', 'none', 'busybox', 'stat', '-c', '%n %u:%g', ...FILES]);
  assert.deepEqual(out.split('\n'), FILES.map((f) => `${f} 0:0`));
});
