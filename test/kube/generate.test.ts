// kube generate beyond the round trip, real containers: --type daemonset
// and job (schema-checked, then played back), a health check written as a
// livenessProbe and played back as the same check, securityContext
// details, hostNetwork; bad --type/--replicas combinations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Store, until } from '../helpers.ts';

const store = new Store('husk-kube-gen-');
const inspect = (ref: string, f: string) => store.ok(['inspect', '--format', f, ref]);
const docs = (text: string) => parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());

before(() => store.busybox());
after(() => store.destroyWhenIdle());

test('--type daemonset: hostNetwork, securityContext and a health check as a livenessProbe; played back with the same check', async () => {
  store.ok(['pod', 'create', '--name', 'hn', '--network', 'host']);
  store.ok(['run', '-d', '--pod', 'hn', '--name', 'hn-c', '--health-cmd', 'echo ok', '--health-interval', '2s', '--health-retries', '4',
    '--health-startup-cmd', '["true"]', '--health-startup-interval', '1s', '--health-startup-retries', '7',
    '--user', '1000:1000', '--read-only', '--cap-add', 'NET_ADMIN', '--privileged', 'busybox', 'sleep', '1000']);
  const text = store.ok(['kube', 'generate', '--type', 'daemonset', 'hn']);
  const [ds] = docs(text);
  const { DaemonSet } = await import('kubernetes-models/apps/v1/DaemonSet');
  new DaemonSet(ds).validate();
  assert.equal(ds.kind, 'DaemonSet');
  assert.equal(ds.metadata.name, 'hn-daemonset');
  assert.deepEqual(ds.spec.selector, { matchLabels: { app: 'hn' } });
  const spec = ds.spec.template.spec;
  assert.equal(spec.hostNetwork, true);
  assert.equal(spec.restartPolicy, undefined, 'a DaemonSet\'s pods always restart');
  const c = spec.containers[0];
  assert.deepEqual(c.livenessProbe, { exec: { command: ['/bin/sh', '-c', 'echo ok'] }, periodSeconds: 2, timeoutSeconds: 30, failureThreshold: 4 });
  assert.deepEqual(c.startupProbe, { exec: { command: ['/bin/sh', '-c', 'true'] }, periodSeconds: 1, timeoutSeconds: 30, failureThreshold: 7, successThreshold: 1 });
  assert.deepEqual(c.securityContext, { capabilities: { add: ['NET_ADMIN'] }, privileged: true, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true });

  store.ok(['pod', 'rm', '-f', '-t', '0', 'hn']);
  const file = join(store.dir, 'ds.yaml');
  writeFileSync(file, text);
  store.ok(['kube', 'play', file]);
  assert.deepEqual(JSON.parse(inspect('hn-daemonset-pod-c', '{{json .Config.Healthcheck}}')),
    { Test: ['CMD', '/bin/sh', '-c', 'echo ok'], Interval: 2e9, Timeout: 30e9, Retries: 4 });
  assert.deepEqual(JSON.parse(inspect('hn-daemonset-pod-c', '{{json .Config.StartupHealthCheck}}')),
    { Test: ['CMD', '/bin/sh', '-c', 'true'], Interval: 1e9, Timeout: 30e9, Retries: 7, Successes: 1 });
  assert.equal(inspect('hn-daemonset-pod-c', '{{.Config.User}}'), '1000:1000');
  await until(() => inspect('hn-daemonset-pod-c', '{{.State.Health.Status}}') === 'healthy', 60_000, 250);
  // hostNetwork played back: the pod uses the host's network namespace.
  assert.equal(store.ok(['exec', 'hn-daemonset-pod-c', 'readlink', '/proc/self/ns/net']), (await import('node:fs')).readlinkSync('/proc/self/ns/net'));
  store.ok(['kube', 'down', file]);
});

test('--type job: restartPolicy Never kept; the Job plays back and runs once', async () => {
  store.ok(['run', '-d', '--name', 'once', 'busybox', 'echo', 'done']);
  const text = store.ok(['kube', 'generate', '--type', 'job', 'once']);
  const [job] = docs(text);
  const { Job } = await import('kubernetes-models/batch/v1/Job');
  new Job(job).validate();
  assert.equal(job.metadata.name, 'once-pod-job');
  assert.equal(job.spec.template.spec.restartPolicy, 'Never');
  store.ok(['rm', '-f', 'once']);
  const file = join(store.dir, 'job.yaml');
  writeFileSync(file, text);
  store.ok(['kube', 'play', file]);
  await until(() => inspect('once-pod-job-pod-once', '{{.State.Status}}') === 'exited', 30_000, 200);
  assert.equal(store.ok(['logs', 'once-pod-job-pod-once']), 'done');
  store.ok(['kube', 'down', file]);
  // A container that restarts becomes OnFailure (a Job's pods may not be Always).
  store.ok(['create', '--name', 'again', '--restart', 'always', 'busybox', 'true']);
  assert.equal(docs(store.ok(['kube', 'generate', '--type', 'job', 'again']))[0].spec.template.spec.restartPolicy, 'OnFailure');
});

test('bad --type and --replicas', () => {
  store.ok(['create', '--name', 'x', 'busybox', 'true']);
  const bad = store.husk(['kube', 'generate', '--type', 'statefulset', 'x']);
  assert.deepEqual([bad.code, bad.stderr], [125, 'Error: invalid type "statefulset": must be pod, deployment, daemonset or job\n']);
  const replicas = store.husk(['kube', 'generate', '--type', 'job', '--replicas', '2', 'x']);
  assert.deepEqual([replicas.code, replicas.stderr], [125, 'Error: --replicas only applies to --type deployment\n']);
});
