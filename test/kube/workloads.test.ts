// kube play beyond Pods and Deployments, real containers: Secrets (env and
// volumes), a Job with an init container, a DaemonSet, probes as health
// checks (exec, httpGet, tcpSocket), a failing init container (the play
// fails and leaves nothing), --publish, --network, a URL on loopback and
// stdin; bad Secret/Job documents name the document and field.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttp } from 'node:http';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, until } from '../helpers.ts';

const store = new Store('husk-kube-wl-');
const write = (name: string, text: string) => {
  const f = join(store.dir, name);
  writeFileSync(f, text);
  return f;
};
const inspect = (ref: string, f: string) => store.ok(['inspect', '--format', f, ref]);

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

function nothingLeft(what: string): void {
  assert.equal(store.ok(['pod', 'ls', '-q']), '', `${what} left a pod`);
  assert.equal(store.ok(['ps', '-aq']), '', `${what} left a container`);
  assert.equal(store.ok(['volume', 'ls', '-q']), '', `${what} left a volume`);
}

before(() => store.busybox());
afterEach(() => {
  store.husk(['pod', 'rm', '-af', '-t', '0']);
  store.husk(['volume', 'prune', '-f']);
});
after(() => store.destroyWhenIdle());

const B = 'localhost/busybox:latest';

test('a Secret as env (secretKeyRef, envFrom) and as a volume; a Job with an init container runs to completion; a DaemonSet is one pod', async () => {
  const file = write('secret-job.yaml', `apiVersion: v1
kind: Secret
metadata: {name: creds}
data:
  user: YWRtaW4=
  password: c2VjcmV0
stringData:
  password: overridden
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
        - name: prepare
          image: ${B}
          command: [sh, -c, "echo prepared > /work/ready; cat /creds/user > /work/user"]
          volumeMounts: [{name: work, mountPath: /work}, {name: creds, mountPath: /creds}]
      containers:
        - name: main
          image: ${B}
          command: [sh, -c, 'echo "$(cat /work/ready) $USER_NAME $creds_password $(cat /work/user) $(stat -c %a /creds/password)"']
          env:
            - name: USER_NAME
              valueFrom: {secretKeyRef: {name: creds, key: user}}
          envFrom:
            - secretRef: {name: creds}
              prefix: creds_
          volumeMounts: [{name: work, mountPath: /work}, {name: creds, mountPath: /creds}]
      volumes:
        - {name: work, emptyDir: {}}
        - {name: creds, secret: {secretName: creds, defaultMode: 0400}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: ${B}, command: [sleep, "1000"]}]
`);
  store.ok(['kube', 'play', file]);
  assert.deepEqual(store.ok(['pod', 'ls', '--format', '{{.Name}}']).split('\n').sort(), ['agent-pod', 'once-pod']);
  // The init container ran first and is gone; the Job's container ran once, to completion.
  assert.deepEqual(store.ok(['ps', '-a', '--filter', 'pod=once-pod', '--format', '{{.Names}}']).split('\n').filter((n) => !n.endsWith('-infra')), ['once-pod-main']);
  await until(() => inspect('once-pod-main', '{{.State.Status}}') === 'exited', 30_000, 200);
  assert.equal(inspect('once-pod-main', '{{.State.ExitCode}}'), '0');
  assert.equal(inspect('once-pod-main', '{{.HostConfig.RestartPolicy.Name}}'), 'no');
  assert.equal(store.ok(['logs', 'once-pod-main']), 'prepared admin overridden admin 400');
  assert.equal(inspect('agent-pod-a', '{{.State.Status}}'), 'running');
  store.ok(['kube', 'down', file]);
  nothingLeft('kube down');
});

test('a failing init container fails the play and leaves nothing', () => {
  const r = store.husk(['kube', 'play', write('init.yaml', `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - {name: ok, image: ${B}, command: ["true"]}
    - {name: broken, image: ${B}, command: [sh, -c, "echo no database >&2; exit 3"]}
  containers: [{name: app, image: ${B}, command: [sleep, "1000"], volumeMounts: [{name: d, mountPath: /d}]}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: claim}}, {name: e, emptyDir: {}}]
`)]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: .*init\.yaml: pod p: init container p-broken exited with code 3: no database\n$/);
  nothingLeft('a failed init container');
});

test('init containers as pod init containers: --start=false, then pod start runs them first; Podman\'s annotation "always" keeps one for each start', async () => {
  const file = write('init-later.yaml', `apiVersion: v1
kind: Pod
metadata:
  name: later
  annotations: {io.podman.annotations.init.container.type: always}
spec:
  initContainers:
    - {name: prep, image: ${B}, command: [sh, -c, "sleep 1; echo prepared >> /w/log"], volumeMounts: [{name: w, mountPath: /w}]}
  containers:
    - {name: app, image: ${B}, command: [sh, -c, "cat /w/log; sleep 1000"], volumeMounts: [{name: w, mountPath: /w}]}
  volumes: [{name: w, emptyDir: {}}]
`);
  const r = store.husk(['kube', 'play', '--start=false', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warning: pod start runs them in order');
  store.ok(['pod', 'start', 'later']);
  await until(() => store.ok(['logs', 'later-app']) === 'prepared', 20_000);
  assert.equal(inspect('later-prep', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 0', 'always: kept');
  store.ok(['pod', 'stop', '-t', '0', 'later']);
  store.ok(['pod', 'start', 'later']);
  await until(() => store.ok(['logs', 'later-app']).endsWith('prepared\nprepared\nprepared'), 20_000);
  const bad = store.husk(['kube', 'play', write('init-bad.yaml', `apiVersion: v1
kind: Pod
metadata:
  name: badtype
  annotations: {io.podman.annotations.init.container.type: sometimes}
spec:
  initContainers: [{name: i, image: ${B}, command: ["true"]}]
  containers: [{name: c, image: ${B}, command: ["true"]}]
`)]);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /metadata\.annotations\["io\.podman\.annotations\.init\.container\.type"\]: must be "once" or "always", not "sometimes"/);
  store.ok(['kube', 'down', file]);
  nothingLeft('kube down');
});

test('probes become health checks: exec, httpGet and tcpSocket turn healthy', async () => {
  const file = write('probes.yaml', `apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  containers:
    - name: web
      image: ${B}
      command: [httpd, -f, -p, "8080", -h, /]
      ports: [{name: http, containerPort: 8080}]
      livenessProbe:
        httpGet: {path: /etc/hostname, port: http}
        periodSeconds: 1
        failureThreshold: 2
    - name: tcp
      image: ${B}
      command: [sleep, "1000"]
      readinessProbe:
        tcpSocket: {port: 8080}
        periodSeconds: 1
    - name: exec
      image: ${B}
      command: [sleep, "1000"]
      livenessProbe:
        exec: {command: [test, -d, /proc/1]}
        periodSeconds: 1
        timeoutSeconds: 5
        initialDelaySeconds: 2
      startupProbe:
        exec: {command: ["true"]}
        periodSeconds: 1
        failureThreshold: 5
`);
  store.ok(['kube', 'play', file]);
  for (const c of ['probed-web', 'probed-tcp', 'probed-exec']) {
    await until(() => inspect(c, '{{.State.Health.Status}}') === 'healthy', 60_000, 250);
  }
  assert.deepEqual(JSON.parse(inspect('probed-exec', '{{json .Config.Healthcheck}}')),
    { Test: ['CMD', 'test', '-d', '/proc/1'], Interval: 1e9, Timeout: 5e9, StartPeriod: 2e9, Retries: 3 });
  assert.deepEqual(JSON.parse(inspect('probed-exec', '{{json .Config.StartupHealthCheck}}')),
    { Test: ['CMD', 'true'], Interval: 1e9, Timeout: 1e9, Retries: 5, Successes: 1 });
  // A liveness probe of a pod that restarts its containers restarts an unhealthy one; a readiness probe only reports.
  assert.equal(inspect('probed-web', '{{.Config.HealthcheckOnFailureAction}}'), 'restart');
  assert.equal(inspect('probed-tcp', '{{.Config.HealthcheckOnFailureAction}}'), 'none');
  assert.match(inspect('probed-web', '{{index .Config.Healthcheck.Test 1}}'), /http:\/\/localhost:8080\/etc\/hostname/);
});

test('--publish and --network; the file from a URL on loopback and from stdin', async () => {
  const port = await freePort();
  const yaml = `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: httpd
      image: ${B}
      command: [sh, -c, "mkdir -p /srv; echo served > /srv/index.html; exec httpd -f -p 80 -h /srv"]
      ports: [{containerPort: 80}]
`;
  const server = createHttp((req, res) => {
    if (req.url === '/web.yaml') res.end(yaml);
    else { res.statusCode = 404; res.end(); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    store.ok(['network', 'create', 'kubenet']);
    const r = await store.huskAsync(['kube', 'play', '--network', 'kubenet', '--publish', `127.0.0.1:${port}:80`, `${base}/web.yaml`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await until(() => get(`http://127.0.0.1:${port}/`), 15_000), 'served\n');
    assert.match(store.ok(['pod', 'inspect', '--format', '{{.InfraConfig.Networks}}', 'web']), /kubenet/);
    const missing = await store.huskAsync(['kube', 'play', `${base}/nope.yaml`]);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /nope\.yaml: HTTP 404/);
  } finally {
    server.close();
  }
  store.ok(['kube', 'down', '-'], { input: yaml });
  assert.equal(store.ok(['pod', 'ls', '-q']), '');
  store.ok(['kube', 'play', '--start=false', '-'], { input: yaml });
  assert.equal(store.ok(['pod', 'ls', '--format', '{{.Name}}']), 'web');
  store.ok(['network', 'rm', '-f', 'kubenet']);
});

test('bad Secret and Job documents: one error naming the document and field, nothing created', () => {
  const good = `apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: a, image: ${B}, command: [sleep, "100"]}]\n---\n`;
  const rejects = (name: string, text: string, pattern: RegExp) => {
    const r = store.husk(['kube', 'play', write(name, good + text)]);
    assert.equal(r.code, 125, `${name} was accepted`);
    assert.match(r.stderr, pattern);
    nothingLeft(name);
  };
  rejects('b64.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: "not base64!"}\n', /document 2 \(Secret s\): data\.k: must match format "byte"/);
  rejects('ref.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: ${B}, env: [{name: X, valueFrom: {secretKeyRef: {name: nope, key: k}}}]}]\n`,
    /document 2 \(Pod p\): spec\.containers\[0\]\.env\[0\]\.valueFrom\.secretKeyRef: no secret with name or id "nope": no such secret/);
  rejects('vol.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: ${B}}]\n  volumes: [{name: v, secret: {secretName: nope}}]\n`,
    /document 2 \(Pod p\): spec\.volumes\[0\]\.secret\.secretName: no secret with name or id "nope": no such secret/);
  rejects('item.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: ${B}}]\n  volumes: [{name: v, configMap: {name: c, items: [{key: k, path: ../x}]}}]\n`,
    /document 3 \(Pod p\): spec\.volumes\[0\]\.configMap\.items\[0\]\.path: "\.\.\/x" must be a relative path/);
  rejects('job.yaml', `apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: ${B}}]\n`,
    /document 2 \(Job j\): spec\.template\.spec\.restartPolicy: a Job's pods must have restartPolicy Never or OnFailure/);
  rejects('probe.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: ${B}, livenessProbe: {httpGet: {port: web}}}]\n`,
    /document 2 \(Pod p\): spec\.containers\[0\]\.livenessProbe\.httpGet\.port: no container port named "web"/);
});

test('--build: an image named after a directory beside the file is built when missing, always with --build, never with --build=false', async () => {
  const dir = join(store.dir, 'buildctx');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'hello'), { recursive: true });
  const containerfile = (word: string) => `FROM ${B}\nENV WORD=${word}\n`;
  writeFileSync(join(dir, 'hello', 'Containerfile'), containerfile('one'));
  const file = join(dir, 'app.yaml');
  writeFileSync(file, `apiVersion: v1\nkind: Pod\nmetadata: {name: built}\nspec:\n  restartPolicy: Never\n  containers: [{name: c, image: localhost/hello:latest, command: [sh, -c, "echo $WORD"]}]\n`);
  assert.equal(store.husk(['image', 'exists', 'localhost/hello:latest']).code, 1);
  store.ok(['kube', 'play', file]);
  assert.equal(store.husk(['image', 'exists', 'localhost/hello:latest']).code, 0);
  await until(() => store.ok(['logs', 'built-c']) === 'one', 15_000, 100);
  // The image exists now: no build without --build; --build rebuilds it.
  writeFileSync(join(dir, 'hello', 'Containerfile'), containerfile('two'));
  store.ok(['kube', 'play', '--replace', file]);
  await until(() => store.ok(['logs', 'built-c']) === 'one', 15_000, 100);
  store.ok(['kube', 'play', '--replace', '--build', file]);
  await until(() => store.ok(['logs', 'built-c']) === 'two', 15_000, 100);
  // --build=false never builds: a missing image is pulled (and fails here).
  store.ok(['kube', 'down', file]);
  store.ok(['rmi', 'localhost/hello:latest']);
  const r = store.husk(['kube', 'play', '--build=false', file]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /document 1 \(Pod built\): image localhost\/hello:latest/);
  nothingLeft('--build=false');
});
