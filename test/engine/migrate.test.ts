// src/engine/migrate.ts: a store written by husk before the structured spec
// (container intents holding flag strings) is migrated when first opened,
// once, and its containers still start with their mounts, ports, ulimits,
// devices and extra hosts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { Store } from '../helpers.ts';
import { fetchRetry, randomPort } from '../cli/nettools.ts';

const s = new Store();
after(() => s.destroyWhenIdle());

async function openDb(): Promise<DatabaseSync> {
  const { DatabaseSync } = await import('node:sqlite');
  return new DatabaseSync(join(s.root, 'state.db'));
}

test('a flag-string container config is migrated on open and the container starts as before', async () => {
  s.busybox();
  const host = join(s.dir, 'host');
  mkdirSync(host);
  writeFileSync(join(host, 'in'), 'from host\n');
  s.ok(['run', '--rm', '-v', 'mvol:/data', 'busybox', 'sh', '-c', 'echo from volume > /data/f']);
  const port = randomPort();
  // The flags as the old CLI stored them, verbatim.
  const flags = {
    volumes: ['mvol:/data', `${host}:/host:ro`], mounts: ['type=tmpfs,target=/scratch,tmpfs-size=1m'], tmpfs: [], volumesFrom: [],
    publish: [`127.0.0.1:${port}:80`], ulimits: ['nofile=512:1024'], devices: ['/dev/null:/dev/mynull'], addHost: ['db:10.1.2.3'],
    uidmap: [], gidmap: [],
  };
  const script = 'mkdir /scratch/w; { cat /data/f /host/in; df -k /scratch | tail -1 | awk "{print \\$2}"; ulimit -n; ulimit -Hn; grep -w db /etc/hosts; ls -l /dev/mynull | cut -c1; } > /scratch/w/index.html; exec httpd -f -p 80 -h /scratch/w';
  // Created by this husk, so the container's directories, volumes and its
  // resolved mounts and ports (which had the same shape before) exist; then
  // its intent is put back the way the old husk stored it.
  const id = s.ok(['create', '--name', 'old', '-v', flags.volumes[0], '-v', flags.volumes[1], '--mount', flags.mounts[0], '-p', flags.publish[0],
    '--ulimit', flags.ulimits[0], '--device', flags.devices[0], '--add-host', flags.addHost[0], 'busybox', 'sh', '-c', script]);
  let db = await openDb();
  const row = db.prepare('SELECT config FROM containers WHERE id = ?').get(id) as { config: string };
  const cfg = JSON.parse(row.config);
  const { mounts: _m, portMappings: _p, ulimits: _u, devices: _d, extraHosts: _h, ...rest } = cfg.intent;
  cfg.intent = { ...rest, ...flags };
  delete cfg.specVersion;
  db.prepare('UPDATE containers SET config = ? WHERE id = ?').run(JSON.stringify(cfg), id);
  db.exec('DROP TABLE schema_version');
  db.close();

  assert.equal(s.ok(['ps', '-a', '--format', '{{.Names}} {{.Ports}}']), `old 127.0.0.1:${port}->80/tcp`);
  db = await openDb();
  assert.deepEqual(db.prepare('SELECT part, version FROM schema_version').all().map((r) => ({ ...r })), [{ part: 'container-spec', version: 2 }]);
  const migrated = JSON.parse((db.prepare('SELECT config FROM containers WHERE id = ?').get(id) as { config: string }).config);
  db.close();
  assert.equal(migrated.specVersion, 2);
  for (const k of ['volumes', 'tmpfs', 'publish', 'addHost', 'uidmap', 'gidmap']) assert.ok(!(k in migrated.intent), `${k} is gone`);
  assert.deepEqual(migrated.intent.mounts, [
    { type: 'volume', source: 'mvol', destination: '/data', options: [], chown: false },
    { type: 'bind', source: host, destination: '/host', options: ['ro'], chown: false },
    { type: 'tmpfs', destination: '/scratch', options: ['size=1m'] },
  ]);
  assert.deepEqual(migrated.intent.portMappings, [{ containerPort: 80, hostPort: port, hostIp: '127.0.0.1', protocol: 'tcp', range: 1 }]);
  assert.deepEqual(migrated.intent.ulimits, [{ name: 'nofile', soft: 512, hard: 1024 }]);
  assert.deepEqual(migrated.intent.devices, [{ path: '/dev/null', containerPath: '/dev/mynull' }]);
  assert.deepEqual(migrated.intent.extraHosts, [{ host: 'db', ip: '10.1.2.3' }]);
  assert.equal(migrated.intent.volumesFrom, undefined);
  assert.equal(s.ok(['inspect', 'old', '--format', '{{json .HostConfig.Ulimits}}']), '["nofile=512:1024"]');

  s.ok(['start', 'old']);
  const body = await fetchRetry(`http://127.0.0.1:${port}/`);
  assert.deepEqual(body.split('\n'), ['from volume', 'from host', '1024', '512', '1024', '10.1.2.3\tdb', 'c', '']);
  s.ok(['rm', '-f', 'old']);
});

test('a new store is at the current version at once; a newer store is refused with a clear error', async () => {
  const db = await openDb();
  assert.deepEqual(db.prepare('SELECT version FROM schema_version').all().map((r) => r.version), [2]);
  db.prepare('UPDATE schema_version SET version = 99').run();
  const r = s.husk(['ps', '-a']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /container configs have version 99, newer than this husk understands \(2\): use a newer husk/);
  db.prepare('UPDATE schema_version SET version = 2').run();
  db.close();
  s.ok(['ps', '-a']);
});
