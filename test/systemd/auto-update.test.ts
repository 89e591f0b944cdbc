// auto-update against a real registry (Debian's docker-registry on
// loopback): new images are pushed with skopeo from OCI layouts the test
// writes; the test's store runs the labelled containers. No systemd is PID
// 1 here, so containers are recreated onto the new image by husk itself.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';
import { pushOciImage } from './oci-image.ts';
import { startRegistry, type RunningRegistry } from '../registry-server.ts';

const s = new Store();
let reg: RunningRegistry;
let app = '';
const TLS = '--tls-verify=false';
const FORMAT = '{{.ContainerName}},{{.Image}},{{.Policy}},{{.Updated}}';

before(async () => {
  reg = await startRegistry();
  app = `${reg.host}/husk/app:latest`;
  s.busybox();
});
afterEach(() => { s.husk(['rm', '-a', '-f', '-t', '0']); });
after(async () => {
  await reg?.stop();
  await s.destroyWhenIdle();
});

/** Pushes a new app:latest with /version holding `version`; returns its image ID. */
const publish = (version: string, entrypoint?: string[]) => pushOciImage(s.dir, app, { version: `${version}\n` }, entrypoint);

const imageOf = (ref: string) => s.ok(['inspect', '--format', '{{.Image}}', ref]);

test('registry policy: dry-run reports pending after a push, auto-update recreates the container on it, a broken image is rolled back', () => {
  const v1 = publish('1');
  s.ok(['pull', '-q', TLS, app]);
  s.ok(['run', '-d', '--name', 'web', '--label', 'io.containers.autoupdate=registry', '--label', 'PODMAN_SYSTEMD_UNIT=web.service', '--stop-timeout', '1', app, 'sleep', '1000']);
  s.ok(['run', '-d', '--name', 'plain', app, 'sleep', '1000']);
  assert.equal(s.ok(['auto-update', TLS, '--format', FORMAT]), `web,${app},registry,false`, 'up to date; unlabelled containers are not listed');
  assert.equal(imageOf('web'), v1);

  const v2 = publish('2');
  assert.notEqual(v2, v1);
  assert.equal(s.ok(['auto-update', TLS, '--dry-run', '--format', FORMAT]), `web,${app},registry,pending`);
  assert.equal(imageOf('web'), v1, 'a dry run changes nothing');
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.Id}}', app]), v1, 'nor pulls');

  const table = s.ok(['auto-update', TLS]);
  assert.match(table, /^UNIT\s+CONTAINER\s+IMAGE\s+POLICY\s+UPDATED\nweb\.service\s+[0-9a-f]{12} \(web\)\s+\S+\s+registry\s+true$/);
  assert.equal(imageOf('web'), v2);
  assert.equal(s.ok(['exec', 'web', 'cat', '/version']), '2');
  assert.equal(s.ok(['inspect', '--format', '{{.State.Status}} {{index .Config.Labels "io.containers.autoupdate"}}', 'web']), 'running registry');
  assert.equal(imageOf('plain'), v1, 'only labelled containers are updated');

  // A new image whose entrypoint does not exist: the restart fails and the old image comes back.
  publish('3', ['/nonexistent']);
  assert.equal(s.ok(['auto-update', TLS, '--format', FORMAT]), `web,${app},registry,rolled back`);
  assert.equal(imageOf('web'), v2);
  assert.equal(s.ok(['image', 'inspect', '--format', '{{.Id}}', app]), v2, 'the name points at the previous image again');
  assert.equal(s.ok(['exec', 'web', 'cat', '/version']), '2');
  // Nothing newer than what runs now? The registry still has the broken one, so it is tried (and rolled back) again.
  assert.equal(s.ok(['auto-update', TLS, '--dry-run', '--format', FORMAT]), `web,${app},registry,pending`);
});

test('--rollback=false leaves a failed update failed (exit 125)', () => {
  publish('ok');
  s.ok(['pull', '-q', TLS, app]);
  s.ok(['run', '-d', '--name', 'norb', '--label', 'io.containers.autoupdate=registry', '--stop-timeout', '1', app, 'sleep', '1000']);
  publish('broken', ['/nonexistent']);
  const r = s.husk(['auto-update', TLS, '--rollback=false', '--format', FORMAT]);
  assert.equal(r.code, 125);
  assert.equal(r.stdout, `norb,${app},registry,failed\n`);
  assert.match(r.stderr, /^Error: .*nonexistent/m);
});

test('local policy follows the local name; invalid policies are errors that do not stop the others', () => {
  const base = s.ok(['image', 'inspect', '--format', '{{.Id}}', 'busybox']);
  s.ok(['tag', 'busybox', 'localhost/loc:latest']);
  s.ok(['run', '-d', '--name', 'loc', '--label', 'io.containers.autoupdate=local', '--stop-timeout', '1', 'localhost/loc:latest', 'sleep', '1000']);
  s.ok(['run', '-d', '--name', 'off', '--label', 'io.containers.autoupdate=disabled', 'localhost/loc:latest', 'sleep', '1000']);
  s.ok(['run', '-d', '--name', 'bad', '--label', 'io.containers.autoupdate=sometimes', 'busybox', 'sleep', '1000']);
  // A local rebuild: a commit under the same name.
  s.ok(['run', '--name', 'mk', 'busybox', 'sh', '-c', 'echo local > /version']);
  const rebuilt = s.ok(['commit', '-q', 'mk', 'localhost/loc:latest']).replace(/^sha256:/, '');
  const r = s.husk(['auto-update', '--format', FORMAT]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: invalid auto-update policy "sometimes"/m);
  assert.match(r.stdout, /^loc,localhost\/loc:latest,local,true$/m);
  assert.doesNotMatch(r.stdout, /^off,/m, 'disabled is not listed');
  assert.equal(imageOf('loc'), rebuilt);
  assert.equal(imageOf('off'), base);
  assert.equal(s.ok(['exec', 'loc', 'cat', '/version']), 'local');
});
