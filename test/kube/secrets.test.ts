// kube play with the secret store, real containers: a Secret document is
// stored as a husk secret (and removed by kube down); secretKeyRef and
// secret volumes resolve from the store when the file does not define the
// Secret (a JSON map of base64 values, or a Secret's YAML, as Podman reads
// them); env fieldRef and resourceFieldRef; volumeMount subPath on a secret, an emptyDir and a
// hostPath; a missing secret is Podman's error and nothing is created.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, until } from '../helpers.ts';

const store = new Store('husk-kube-secrets-');
const host = join(store.dir, 'hostdir');
const write = (name: string, text: string) => {
  const f = join(store.dir, name);
  writeFileSync(f, text);
  return f;
};

before(() => {
  store.busybox();
  mkdirSync(join(host, 'inner'), { recursive: true });
  writeFileSync(join(host, 'inner', 'h.txt'), 'from-host\n');
});
after(() => store.destroyWhenIdle());

const logsOf = async (ctr: string) => until(() => {
  const r = store.husk(['logs', ctr]);
  return r.stdout.includes('END') ? r.stdout : undefined;
}, 60_000);

test('Secret documents become husk secrets; store secrets feed env and volumes; fieldRef; subPath', async () => {
  // A store secret in Podman's JSON form (key -> base64), as `secret create` makes it.
  store.ok(['secret', 'create', 'dbcreds', '-'], { input: JSON.stringify({ user: Buffer.from('admin').toString('base64'), pass: Buffer.from('hunter2').toString('base64') }) });
  const file = write('app.yaml', `apiVersion: v1
kind: Secret
metadata: {name: appsec}
stringData:
  token: abc123
  conf.yaml: "key: value"
---
apiVersion: v1
kind: Pod
metadata:
  name: sp
  namespace: team
  labels: {app: web}
  annotations: {note: hello}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: localhost/busybox
    resources: {limits: {memory: 64Mi, cpu: 500m}}
    command: [sh, -c, 'echo "$DBU $DBP $TOK $POD $PODNS $APP $NOTE $MEM $CPU $RMEM"; echo "$PUID"; cat /etc/app/conf.yaml; echo; ls /creds; cat /creds/pass; echo; cat /host/h.txt; echo data > /data/f; ls -a /data; echo END; sleep 600']
    env:
    - {name: DBU, valueFrom: {secretKeyRef: {name: dbcreds, key: user}}}
    - {name: DBP, valueFrom: {secretKeyRef: {name: dbcreds, key: pass}}}
    - {name: TOK, valueFrom: {secretKeyRef: {name: appsec, key: token}}}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: PODNS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: NOTE, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['note']"}}}
    - {name: PUID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
    - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    - {name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
    - {name: RMEM, valueFrom: {resourceFieldRef: {resource: requests.memory, divisor: 1Ki}}}
    volumeMounts:
    - {name: app, mountPath: /etc/app/conf.yaml, subPath: conf.yaml}
    - {name: db, mountPath: /creds}
    - {name: scratch, mountPath: /data, subPath: sub/dir}
    - {name: hp, mountPath: /host, subPath: inner}
  volumes:
  - {name: app, secret: {secretName: appsec}}
  - {name: db, secret: {secretName: dbcreds}}
  - {name: scratch, emptyDir: {}}
  - {name: hp, hostPath: {path: ${host}}}
`);
  const out = store.ok(['kube', 'play', file]);
  const sid = store.ok(['secret', 'inspect', '--format', '{{.ID}}', 'appsec']);
  assert.match(out, new RegExp(`\\nSecrets:\\n${sid}\\nPod:\\n`));
  // The stored secret is the Secret's YAML, as Podman stores it.
  assert.match(store.ok(['secret', 'inspect', '--showsecret', '--format', '{{.SecretData}}', 'appsec']), /kind: Secret[\s\S]*token: abc123/);
  const logs = await logsOf('sp-c');
  const podId = out.match(/Pod:\n([0-9a-f]{64})/)![1];
  assert.equal(logs, `admin hunter2 abc123 sp team web hello 64 1 65536\n${podId}\nkey: value\npass\nuser\nhunter2\nfrom-host\n.\n..\nf\nEND\n`);
  // The emptyDir's subPath is a directory inside the pod's volume.
  const [vol] = JSON.parse(store.ok(['volume', 'inspect', 'sp-scratch']));
  assert.ok(vol.Mountpoint);
  assert.equal(store.ok(['run', '--rm', '-v', 'sp-scratch:/v', 'localhost/busybox', 'cat', '/v/sub/dir/f']), 'data');

  // A later file uses the stored Secret (its YAML) without defining it.
  const again = write('user.yaml', `apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: localhost/busybox
    command: [sh, -c, 'echo "$TOK"; cat /s/token; echo; echo END; sleep 600']
    env: [{name: TOK, valueFrom: {secretKeyRef: {name: appsec, key: token}}}]
    volumeMounts: [{name: s, mountPath: /s}]
  volumes: [{name: s, secret: {secretName: appsec, items: [{key: token, path: token}]}}]
`);
  store.ok(['kube', 'play', again]);
  assert.equal(await logsOf('user-c'), 'abc123\nabc123\nEND\n');
  store.ok(['kube', 'down', again]);

  // down removes the secrets of the file's Secret documents, not the others.
  const down = store.ok(['kube', 'down', file]);
  assert.match(down, new RegExp(`Pods removed:\\nsp\\nSecrets removed:\\n${sid}\\nVolumes removed:`));
  assert.equal(store.husk(['secret', 'exists', 'appsec']).code, 1);
  assert.equal(store.husk(['secret', 'exists', 'dbcreds']).code, 0);
  // And down does not need the secrets any more.
  store.ok(['kube', 'down', again]);
});

test('a missing secret is Podman\'s error, naming the document and field; nothing is created', () => {
  const file = write('missing.yaml', `apiVersion: v1
kind: Secret
metadata: {name: made}
stringData: {k: v}
---
apiVersion: v1
kind: Pod
metadata: {name: miss}
spec:
  containers:
  - {name: a, image: localhost/busybox, env: [{name: X, valueFrom: {secretKeyRef: {name: absent, key: k}}}]}
`);
  const r = store.husk(['kube', 'play', file]);
  assert.equal(r.code, 125);
  assert.equal(r.stderr.trim(), `Error: ${file}: document 2 (Pod miss): spec.containers[0].env[0].valueFrom.secretKeyRef: no secret with name or id "absent": no such secret`);
  assert.equal(store.husk(['secret', 'exists', 'made']).code, 1);
  assert.equal(store.husk(['pod', 'exists', 'miss']).code, 1);
  // A store secret that is not Kubernetes data, and a missing key.
  store.ok(['secret', 'create', 'plain', '-'], { input: 'just text' });
  const plain = write('plain.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: localhost/busybox, env: [{name: X, valueFrom: {secretKeyRef: {name: plain, key: k}}}]}]\n`);
  assert.match(store.husk(['kube', 'play', plain]).stderr, /secret "plain" is not a Kubernetes Secret/);
  const fieldRef = write('field.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: localhost/busybox, env: [{name: X, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]}]\n`);
  assert.match(store.husk(['kube', 'play', fieldRef]).stderr, /spec\.containers\[0\]\.env\[0\]\.valueFrom\.fieldRef\.fieldPath: can not handle `fieldRef: status\.podIP`: unsupported fieldRef/);
  const div = write('div.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: localhost/busybox, env: [{name: X, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1Mi}}}]}]\n`);
  assert.match(store.husk(['kube', 'play', div]).stderr, /resourceFieldRef\.divisor: resource limits\.cpu has an invalid divisor: 1Mi/);
  const sub = write('sub.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: localhost/busybox, volumeMounts: [{name: v, mountPath: /x, subPath: ../up}]}]\n  volumes: [{name: v, emptyDir: {}}]\n`);
  assert.match(store.husk(['kube', 'play', sub]).stderr, /spec\.containers\[0\]\.volumeMounts\[0\]\.subPath: "\.\.\/up" must be a relative path without "\.\."/);
  assert.equal(store.husk(['pod', 'exists', 'p']).code, 1);
});

test('an immutable Secret is not replaced by a later play (Podman\'s rule); down removes it', () => {
  const file = write('immutable.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: {name: frozen}\nimmutable: true\nstringData: {k: v1}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: fz}\nspec:\n  containers: [{name: a, image: localhost/busybox, command: [sleep, "600"]}]\n');
  store.ok(['kube', 'play', file]);
  const again = store.husk(['kube', 'play', '--replace', file]);
  assert.equal(again.code, 125);
  assert.match(again.stderr, /Secret frozen: cannot remove colliding secret as it is set to immutable/);
  assert.match(store.ok(['secret', 'inspect', '--showsecret', '--format', '{{.SecretData}}', 'frozen']), /k: v1/);
  assert.equal(store.husk(['pod', 'exists', 'fz']).code, 0, 'the failed play removed nothing');
  store.ok(['kube', 'down', file]);
  assert.equal(store.husk(['secret', 'exists', 'frozen']).code, 1);
});
