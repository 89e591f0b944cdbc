// kube play of documents written by hand, real containers: a Deployment
// with 2 replicas, env from a ConfigMap (configMapKeyRef and envFrom) and
// the same ConfigMap as a volume (every key, and items with paths), a
// PVC, an emptyDir shared by the containers of a pod and a hostPath; and
// invalid files: one error naming the document and field, nothing created.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../helpers.ts';

const store = new Store('husk-kube-play-');
const host = join(store.dir, 'hostdir');
const write = (name: string, text: string) => {
  const f = join(store.dir, name);
  writeFileSync(f, text);
  return f;
};

before(() => {
  store.busybox();
  mkdirSync(host);
  writeFileSync(join(host, 'from-host'), 'host-file\n');
});
after(() => store.destroyWhenIdle());

const app = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  greeting: hello
  level: "on"
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: appdata}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  replicas: 2
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
        - name: main
          image: localhost/busybox:latest
          command: [sh, -c]
          args: ["echo $GREETING-$HOSTNAME > /scratch/x; exec sleep 1000"]
          env:
            - name: GREETING
              valueFrom: {configMapKeyRef: {name: settings, key: greeting}}
          envFrom:
            - configMapRef: {name: settings}
              prefix: CM_
          volumeMounts:
            - {name: scratch, mountPath: /scratch}
            - {name: data, mountPath: /data}
            - {name: hostdir, mountPath: /host, readOnly: true}
            - {name: config, mountPath: /etc/settings}
            - {name: picked, mountPath: /etc/picked}
        - name: reader
          image: localhost/busybox:latest
          command: [sleep, "1000"]
          volumeMounts:
            - {name: scratch, mountPath: /scratch}
      volumes:
        - {name: scratch, emptyDir: {}}
        - {name: data, persistentVolumeClaim: {claimName: appdata}}
        - {name: hostdir, hostPath: {path: ${host}}}
        - {name: config, configMap: {name: settings}}
        - name: picked
          configMap:
            name: settings
            defaultMode: 0600
            items: [{key: greeting, path: sub/hello.txt}]
`;

test('a Deployment with 2 replicas, ConfigMap env, PVC, emptyDir and hostPath', async () => {
  const file = write('app.yaml', app);
  store.ok(['kube', 'play', file]);
  assert.deepEqual(store.ok(['pod', 'ls', '--format', '{{.Name}}']).split('\n').sort(), ['app-pod-0', 'app-pod-1']);
  for (const pod of ['app-pod-0', 'app-pod-1']) {
    const ctr = `${pod}-main`;
    assert.equal(store.ok(['exec', ctr, 'sh', '-c', 'echo $GREETING $CM_greeting $CM_level']), 'hello hello on');
    assert.equal(store.ok(['exec', ctr, 'cat', '/host/from-host']), 'host-file');
    assert.notEqual(store.husk(['exec', ctr, 'touch', '/host/nope']).code, 0);
    // The ConfigMap as files: one per key, or the items chosen (with their mode); read-only.
    assert.equal(store.ok(['exec', ctr, 'sh', '-c', 'ls /etc/settings; cat /etc/settings/greeting /etc/settings/level']), 'greeting\nlevel\nhelloon');
    assert.equal(store.ok(['exec', ctr, 'sh', '-c', 'ls -R /etc/picked | tr "\\n" " "; stat -c %a /etc/picked/sub/hello.txt; cat /etc/picked/sub/hello.txt']), '/etc/picked: sub  /etc/picked/sub: hello.txt 600\nhello');
    assert.notEqual(store.husk(['exec', ctr, 'touch', '/etc/settings/new']).code, 0);
    // The emptyDir is shared by the pod's containers, and the pod's own.
    let seen = '';
    for (let i = 0; i < 50 && !seen; i++) {
      seen = store.husk(['exec', `${pod}-reader`, 'cat', '/scratch/x']).stdout.trim();
      if (!seen) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(seen, /^hello-/);
  }
  assert.deepEqual(store.ok(['volume', 'ls', '-q']).split('\n').sort(),
    ['app-pod-0-config', 'app-pod-0-picked', 'app-pod-0-scratch', 'app-pod-1-config', 'app-pod-1-picked', 'app-pod-1-scratch', 'appdata']);
  store.ok(['kube', 'down', file]);
  assert.equal(store.ok(['pod', 'ls', '-q']), '');
  assert.equal(store.ok(['ps', '-aq']), '');
  // emptyDirs and ConfigMap volumes go with their pods; the claim's volume stays without --force.
  assert.equal(store.ok(['volume', 'ls', '-q']), 'appdata');
  store.ok(['kube', 'down', '--force', file]);
  assert.equal(store.ok(['volume', 'ls', '-q']), '');
});

function rejects(name: string, text: string, pattern: RegExp): void {
  const r = store.husk(['kube', 'play', write(name, text)]);
  assert.notEqual(r.code, 0, `${name} was accepted`);
  assert.match(r.stderr, pattern);
  assert.equal(store.ok(['pod', 'ls', '-q']), '', `${name} left a pod`);
  assert.equal(store.ok(['ps', '-aq']), '', `${name} left a container`);
  assert.equal(store.ok(['volume', 'ls', '-q']), '', `${name} left a volume`);
}

const good = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: keep}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  containers: [{name: a, image: localhost/busybox:latest, command: [sleep, "100"]}]
`;

test('an invalid document: one error naming the document and field, nothing created', () => {
  rejects('kind.yaml', `${good}---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\n`, /document 3 \(StatefulSet s\): kind: "StatefulSet" is not supported/);
  rejects('type.yaml', `${good}---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n    - name: a\n      image: localhost/busybox:latest\n      ports: [{containerPort: eighty}]\n`,
    /document 3 \(Pod bad\): spec\.containers\[0\]\.ports\[0\]\.containerPort: must be integer/);
  rejects('missing.yaml', `${good}---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {}\n`, /document 3 \(Pod bad\): spec\.containers: required/);
  rejects('configmap.yaml', `${good}---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n    - name: a\n      image: localhost/busybox:latest\n      env: [{name: X, valueFrom: {configMapKeyRef: {name: nope, key: k}}}]\n`,
    /document 3 \(Pod bad\): spec\.containers\[0\]\.env\[0\]\.valueFrom\.configMapKeyRef: no ConfigMap "nope" in the file/);
  rejects('image.yaml', good.replace('localhost/busybox:latest', 'localhost/no-such-image:latest'), /document 2 \(Pod ok\): image localhost\/no-such-image:latest/);
  rejects('yaml.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: [\n', /document 1/);
});
