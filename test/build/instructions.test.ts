// Config-changing instructions (src/build/instructions.ts), shared by build, commit --change and import --change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HuskError } from '../../src/common/errors.ts';
import { applyChanges, applyInstruction, exposedPorts, joinWorkdir, parseChange, type RuntimeConfig, type StageState } from '../../src/build/instructions.ts';
import { GlobalScope, StageScope } from '../../src/build/expand.ts';
import { parseDockerfile } from '../../src/build/parser.ts';

/** Runs a one-stage Containerfile's config instructions over a base config. */
function build(text: string, base: RuntimeConfig = {}): RuntimeConfig {
  const df = parseDockerfile(text);
  const scope = new StageScope(new GlobalScope(df), base.Env);
  const cfg = structuredClone(base);
  const state: StageState = {};
  for (const i of df.instructions.slice(1)) applyInstruction(cfg, scope.apply(i), state);
  return cfg;
}

test('a Containerfile stage gives the config Docker would', () => {
  const cfg = build([
    'FROM x', 'ARG V=1.0', 'ENV PATH=/opt/bin:$PATH APP="my app"', 'ENV PATH /final:$PATH',
    'LABEL version=$V "org.x"="y z"', 'EXPOSE 80 53/udp 8000-8001', 'VOLUME ["/data"]', 'VOLUME /logs /cache',
    'WORKDIR /srv', 'WORKDIR app', 'WORKDIR ../web', 'USER app:app', 'STOPSIGNAL SIGINT',
    'HEALTHCHECK --interval=10s --retries=2 CMD curl -f http://localhost/', 'ONBUILD RUN echo $HOME',
    'CMD ["serve"]', 'ENTRYPOINT ["/bin/app"]',
  ].join('\n'), { Env: ['PATH=/usr/bin', 'HOME=/root'], Cmd: ['sh'] });
  assert.deepEqual(cfg, {
    Env: ['PATH=/final:/opt/bin:/usr/bin', 'HOME=/root', 'APP=my app'],
    Cmd: ['serve'],
    Entrypoint: ['/bin/app'],
    Labels: { version: '1.0', 'org.x': 'y z' },
    ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} },
    Volumes: { '/data': {}, '/logs': {}, '/cache': {} },
    WorkingDir: '/srv/web',
    User: 'app:app',
    StopSignal: 'SIGINT',
    Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 10e9, Retries: 2 },
    OnBuild: ['RUN echo $HOME'],
  });
});

test('shell form goes through SHELL; ENTRYPOINT drops an inherited CMD but not one set in the stage', () => {
  const a = build('FROM x\nSHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nCMD echo hi', {});
  assert.deepEqual(a.Cmd, ['/bin/bash', '-eo', 'pipefail', '-c', 'echo hi']);
  assert.deepEqual(a.Shell, ['/bin/bash', '-eo', 'pipefail', '-c']);
  assert.deepEqual(build('FROM x\nENTRYPOINT run', { Cmd: ['base'] }), { Cmd: null, Entrypoint: ['/bin/sh', '-c', 'run'] });
  assert.deepEqual(build('FROM x\nCMD ["c"]\nENTRYPOINT ["e"]', { Cmd: ['base'] }), { Cmd: ['c'], Entrypoint: ['e'] });
  assert.deepEqual(build('FROM x\nHEALTHCHECK NONE\nHEALTHCHECK CMD ["true"]').Healthcheck, { Test: ['CMD', 'true'] });
  assert.deepEqual(build('FROM x\nHEALTHCHECK NONE').Healthcheck, { Test: ['NONE'] });
});

test('non-config instructions are left to the builder', () => {
  const df = parseDockerfile('RUN x\nCOPY a b\nARG A\nMAINTAINER me');
  for (const i of df.instructions) assert.equal(applyInstruction({}, i), false);
});

test('helpers: ports, workdir', () => {
  assert.deepEqual(exposedPorts(['80', '81/UDP', '7-8/sctp']), ['80/tcp', '81/udp', '7/sctp', '8/sctp']);
  assert.throws(() => exposedPorts(['http']), /invalid containerPort: http/);
  assert.throws(() => exposedPorts(['80/icmp']), /invalid proto/);
  assert.equal(joinWorkdir(undefined, 'a/./b/..'), '/a');
  assert.equal(joinWorkdir('/x', '/y'), '/y');
});

test('--change: the inputs image/import.ts applyChanges accepted give the same config', () => {
  const apply = (changes: string[]) => {
    const cfg: RuntimeConfig = { Env: ['PATH=/bin'] };
    applyChanges(cfg, changes);
    return cfg;
  };
  assert.deepEqual(apply(['CMD /bin/sh', 'ENTRYPOINT ["x"]', 'WORKDIR=/app', 'USER 1000', 'STOPSIGNAL SIGINT']), {
    Env: ['PATH=/bin'], Cmd: ['/bin/sh', '-c', '/bin/sh'], Entrypoint: ['x'], WorkingDir: '/app', User: '1000', StopSignal: 'SIGINT',
  });
  assert.deepEqual(apply(['ENV FOO=bar', 'ENV BAZ qux quux', 'ENV=PATH=/x', 'ENV PATH=$PATH:/y', 'ENV SP=a b']).Env, ['PATH=$PATH:/y', 'FOO=bar', 'BAZ=qux quux', 'SP=a b']);
  assert.deepEqual(apply(['LABEL a=b', 'LABEL c "d e"', 'LABEL f="g h"']).Labels, { a: 'b', c: 'd e', f: 'g h' });
  assert.deepEqual(apply(['EXPOSE 80 443/udp', 'VOLUME ["/a"]', 'VOLUME /b /c']), {
    Env: ['PATH=/bin'], ExposedPorts: { '80/tcp': {}, '443/udp': {} }, Volumes: { '/a': {}, '/b': {}, '/c': {} },
  });
  // Beyond the old module: quotes are removed as Podman/Docker do, ONBUILD/SHELL/HEALTHCHECK work.
  assert.deepEqual(apply(['ENV Q="a b"', 'ONBUILD RUN x', 'SHELL ["/bin/ash","-c"]', 'CMD echo']), {
    Env: ['PATH=/bin', 'Q=a b'], OnBuild: ['RUN x'], Shell: ['/bin/ash', '-c'], Cmd: ['/bin/ash', '-c', 'echo'],
  });
});

test('--change errors', () => {
  const err = (c: string, re: RegExp) => assert.throws(() => parseChange(c), (e: unknown) => e instanceof HuskError && e.code === 'INVALID_ARGUMENT' && re.test(e.message));
  err('RUN x', /^invalid change "RUN x": RUN is not a valid instruction for import$/);
  err('nonsense', /^invalid change "nonsense": expected INSTRUCTION VALUE$/);
  err('ENV FOO', /^invalid change "ENV FOO": ENV must have two arguments$/);
  err('EXPOSE', /^invalid change "EXPOSE": expected INSTRUCTION VALUE$/);
  err('EXPOSE  ', /^invalid change "EXPOSE  ": EXPOSE requires at least one argument$/);
  assert.throws(() => applyChanges({}, ['EXPOSE http']), /^HuskError: invalid change "EXPOSE http": invalid containerPort: http$/);
  assert.throws(() => applyChanges({}, ['STOPSIGNAL 9x!']), /Invalid signal/);
  assert.match(String((() => { try { parseChange('COPY a b', 'commit'); } catch (e) { return e; } })()), /not a valid instruction for commit/);
});
