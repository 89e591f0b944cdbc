// The kube round trip, real containers: a pod built by hand (busybox httpd
// serving a named volume a sidecar writes) → kube generate --service → the
// YAML passes the Kubernetes schema and quotes YAML-1.1-sensitive values →
// everything removed → kube play on the clean store → the httpd answers on
// the host port → kube down --force leaves no pod, container or volume.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Store, until } from '../helpers.ts';

const store = new Store('husk-kube-');
const file = join(store.dir, 'web.yaml');
let port = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function get(url: string): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

before(async () => {
  store.busybox();
  port = await freePort();
});
after(() => store.destroyWhenIdle());

test('generate --service from a hand-built pod: schema-valid, YAML 1.1 safe', async () => {
  store.ok(['pod', 'create', '--name', 'web', '-p', `${port}:80`]);
  store.ok(['volume', 'create', 'webdata']);
  store.ok(['run', '-d', '--pod', 'web', '--name', 'httpd', '-v', 'webdata:/data', '-e', 'FLAG=on', '-e', 'MODE=0755',
    '--memory', '64m', '--cpus', '0.5', '--cap-drop', 'NET_RAW', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/data']);
  store.ok(['run', '-d', '--pod', 'web', '--name', 'web-sidecar', '-v', 'webdata:/data', 'busybox',
    'sh', '-c', 'echo hello-kube > /data/index.html; exec sleep 1000']);
  assert.equal(await until(() => get(`http://127.0.0.1:${port}/`), 15_000), 'hello-kube\n');

  store.ok(['kube', 'generate', '--service', '-f', file, 'web']);
  const text = store.ok(['generate', 'kube', '--service', 'web']);
  // YAML 1.1 readers must see strings: on, 0755 and "80" stay quoted.
  assert.match(text, /value: "on"/);
  assert.match(text, /value: "0755"/);
  assert.match(text, /- "80"/);
  const docs = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());
  assert.deepEqual(docs.map((d) => d.kind), ['PersistentVolumeClaim', 'Pod', 'Service']);
  const { Pod } = await import('kubernetes-models/v1/Pod');
  const { Service } = await import('kubernetes-models/v1/Service');
  const { PersistentVolumeClaim } = await import('kubernetes-models/v1/PersistentVolumeClaim');
  new PersistentVolumeClaim(docs[0]).validate();
  new Pod(docs[1]).validate();
  new Service(docs[2]).validate();

  const pod = docs[1];
  assert.equal(pod.metadata.name, 'web');
  assert.deepEqual(pod.spec.containers.map((c: { name: string }) => c.name), ['httpd', 'sidecar']);
  const httpd = pod.spec.containers[0];
  assert.deepEqual(httpd.args, ['httpd', '-f', '-p', '80', '-h', '/data']);
  assert.deepEqual(httpd.env, [{ name: 'FLAG', value: 'on' }, { name: 'MODE', value: '0755' }]);
  assert.deepEqual(httpd.ports, [{ containerPort: 80, hostPort: port, protocol: 'TCP' }]);
  assert.deepEqual(httpd.resources, { limits: { memory: '64Mi', cpu: '500m' } });
  assert.deepEqual(httpd.securityContext, { capabilities: { drop: ['NET_RAW'] } });
  assert.deepEqual(pod.spec.volumes, [{ name: 'webdata-pvc', persistentVolumeClaim: { claimName: 'webdata' } }]);
  assert.equal(docs[0].metadata.name, 'webdata');
  assert.deepEqual(docs[2].spec.ports[0], { name: '80-tcp', protocol: 'TCP', port: 80, targetPort: 80, nodePort: port });
  // -f refuses to overwrite.
  assert.notEqual(store.husk(['kube', 'generate', '-f', file, 'web']).code, 0);
});

test('down, then play on a clean store: the httpd answers on the host port; down --force leaves nothing', async () => {
  store.ok(['pod', 'rm', '-f', 'web']);
  store.ok(['volume', 'rm', 'webdata']);
  assert.equal(store.ok(['ps', '-aq']), '');
  assert.equal(store.ok(['volume', 'ls', '-q']), '');

  const out = store.ok(['kube', 'play', file]);
  assert.match(out, /^Volumes:\nwebdata\nPod:\n[0-9a-f]{64}\nContainers:\n/);
  assert.equal(await until(() => get(`http://127.0.0.1:${port}/`), 15_000), 'hello-kube\n');
  const names = store.ok(['ps', '--format', '{{.Names}}']).split('\n').sort();
  assert.deepEqual(names.filter((n) => !n.endsWith('-infra')), ['web-httpd', 'web-sidecar']);
  const inspect = JSON.parse(store.ok(['inspect', 'web-httpd']))[0];
  assert.ok(inspect.Config.Env.includes('MODE=0755'));
  // The round trip: generating again gives the same objects (containers, ports, env, volumes, limits).
  const kinds = (t: string) => parseAllDocuments(t, { version: '1.1' }).map((d) => d.toJS());
  assert.deepEqual(kinds(store.ok(['kube', 'generate', '--service', 'web'])), kinds(readFileSync(file, 'utf8')));

  // Played twice: the pod exists (nothing new), --replace recreates it.
  const again = store.husk(['kube', 'play', file]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /pod "web" already exists/);
  store.ok(['kube', 'play', '--replace', file]);
  assert.equal(await until(() => get(`http://127.0.0.1:${port}/`), 15_000), 'hello-kube\n');

  // down without --force keeps the claim's volume; play kube --down --force (Podman's spelling) removes it.
  const down = store.ok(['kube', 'down', file]);
  assert.match(down, /Pods removed:\nweb\n/);
  assert.equal(store.ok(['pod', 'ls', '-q']), '');
  assert.equal(store.ok(['ps', '-aq']), '');
  assert.equal(store.ok(['volume', 'ls', '-q']), 'webdata');
  store.ok(['kube', 'play', '--start=false', file]);
  assert.equal(store.ok(['ps', '--format', '{{.Names}}']), '');
  assert.match(store.ok(['play', 'kube', '--down', '--force', file]), /Volumes removed:\nwebdata/);
  assert.equal(store.ok(['pod', 'ls', '-q']), '');
  assert.equal(store.ok(['ps', '-aq']), '');
  assert.equal(store.ok(['volume', 'ls', '-q']), '');
});
