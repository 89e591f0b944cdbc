// registries.conf loading/merging, prefix lookup, pull sources and short-name
// resolution, against real TOML files in a temp directory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HuskError } from '../../src/common/errors.ts';
import {
  findRegistry, loadRegistriesConf, pullSources, resolveShortName, type LoadOptions, type RegistriesConf,
} from '../../src/image/registries.ts';

const D = `sha256:${'c'.repeat(64)}`;
const base = mkdtempSync(join(tmpdir(), 'husk-registries-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

/** A fresh home and config dir; `files` maps relative paths to TOML text. */
function fixture(files: Record<string, string>) {
  const dir = join(base, String(n++));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const home = join(dir, 'home');
  // Isolated from the machine: explicit main file, drop-in dir and alias cache.
  const opts: LoadOptions = { confPath: join(dir, 'registries.conf'), confDirPath: join(dir, 'd'), home, aliasesPath: join(dir, 'aliases.conf') };
  return { dir, home, opts, load: (o: LoadOptions = {}) => loadRegistriesConf({ ...opts, ...o }) };
}

/** Runs fn with environment variables set (undefined = unset), then restores them. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (vs: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vs)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  };
  set(vars);
  try {
    return fn();
  } finally {
    set(saved);
  }
}

function throwsInvalid(fn: () => unknown, message: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof HuskError && e.code === 'INVALID_ARGUMENT' && message.test(e.message));
}

const refs = (conf: RegistriesConf, ref: string) => pullSources(conf, ref).map((s) => `${s.ref}${s.insecure ? ' (insecure)' : ''}`);

test('defaults: empty config', () => {
  const f = fixture({ 'registries.conf': '' });
  const conf = f.load();
  assert.deepEqual(conf.unqualifiedSearchRegistries, []);
  assert.equal(conf.shortNameMode, 'permissive'); // Podman's default; distributions set enforcing
  assert.deepEqual(conf.registries, []);
  assert.deepEqual(conf.aliases, {});
  assert.deepEqual(conf.credentialHelpers, ['containers-auth.json']);
  assert.deepEqual(conf.files, [f.opts.confPath]);
  assert.equal(conf.configDirPath, f.opts.confDirPath);
});

test('an explicit main file must exist; a bad file names itself', () => {
  const f = fixture({ 'registries.conf': 'short-name-mode = "sometimes"\n' });
  throwsInvalid(() => f.load({ confPath: join(f.dir, 'missing.conf') }), /missing\.conf.*no such file/);
  throwsInvalid(() => f.load(), /loading registries configuration ".*registries\.conf": invalid short-name mode: "sometimes"/);
  const g = fixture({ 'registries.conf': 'unqualified-search-registries = [\n' });
  throwsInvalid(() => g.load(), /loading registries configuration/);
});

const SYS = 'etc/containers/registries.conf';
const USER = 'home/.config/containers/registries.conf';
const noEnv = { CONTAINERS_REGISTRIES_CONF: undefined, REGISTRIES_CONFIG_PATH: undefined };

test('system file then system and user drop-ins, in name order', () => {
  const f = fixture({
    [SYS]: 'unqualified-search-registries = ["sys.example"]\nshort-name-mode = "enforcing"\n',
    [`${SYS}.d/000-shortnames.conf`]: '[aliases]\n"fedora" = "registry.fedoraproject.org/fedora"\n',
    [`${SYS}.d/10-b.conf`]: 'unqualified-search-registries = ["b.example"]\n',
    [`${SYS}.d/9-a.conf`]: 'unqualified-search-registries = ["a.example"]\n', // "9-a" sorts after "10-b"
    [`${USER}.d/5-user.conf`]: 'short-name-mode = "permissive"\n',
  });
  const conf = withEnv(noEnv, () => loadRegistriesConf({ root: f.dir, home: f.home, aliasesPath: f.opts.aliasesPath }));
  assert.deepEqual(conf.files, [join(f.dir, SYS), ...['000-shortnames.conf', '10-b.conf', '9-a.conf'].map((n) => join(f.dir, `${SYS}.d`, n)),
    join(f.dir, `${USER}.d/5-user.conf`)]);
  assert.deepEqual(conf.unqualifiedSearchRegistries, ['a.example']);
  assert.equal(conf.shortNameMode, 'permissive');
  assert.equal(conf.aliases.fedora, 'registry.fedoraproject.org/fedora');
  assert.equal(conf.configDirPath, join(f.dir, `${USER}.d`));
});

test('CONTAINERS_REGISTRIES_CONF selects the main file; both drop-in directories still apply', () => {
  const f = fixture({
    'env.conf': 'unqualified-search-registries = ["env.example"]\n',
    [SYS]: 'unqualified-search-registries = ["sys.example"]\n',
    [`${SYS}.d/000-shortnames.conf`]: '[aliases]\n"fedora" = "registry.fedoraproject.org/fedora"\n',
    [USER]: 'unqualified-search-registries = ["user.example"]\n',
    [`${USER}.d/50-user.conf`]: '[aliases]\n"mine" = "quay.io/me/mine"\n',
  });
  const load = () => loadRegistriesConf({ root: f.dir, home: f.home, aliasesPath: f.opts.aliasesPath });
  for (const name of ['CONTAINERS_REGISTRIES_CONF', 'REGISTRIES_CONFIG_PATH']) {
    const conf = withEnv({ ...noEnv, [name]: join(f.dir, 'env.conf') }, load);
    assert.equal(conf.configPath, join(f.dir, 'env.conf'), name);
    assert.deepEqual(conf.unqualifiedSearchRegistries, ['env.example']);
    assert.deepEqual(conf.aliases, { fedora: 'registry.fedoraproject.org/fedora', mine: 'quay.io/me/mine' });
  }
  // Set but empty means unset (and hides the legacy variable).
  const conf = withEnv({ CONTAINERS_REGISTRIES_CONF: '', REGISTRIES_CONFIG_PATH: join(f.dir, 'env.conf') }, load);
  assert.equal(conf.configPath, join(f.dir, USER));
  throwsInvalid(() => withEnv({ ...noEnv, CONTAINERS_REGISTRIES_CONF: join(f.dir, 'nope.conf') }, load), /nope\.conf.*no such file/);
});

test('a per-user registries.conf replaces the system file and the system drop-ins', () => {
  const f = fixture({
    [SYS]: 'short-name-mode = "enforcing"\n',
    [`${SYS}.d/000-shortnames.conf`]: '[aliases]\n"fedora" = "registry.fedoraproject.org/fedora"\n',
    [USER]: 'unqualified-search-registries = ["user.example"]\n',
    [`${USER}.d/10-x.conf`]: 'short-name-mode = "disabled"\n',
  });
  const conf = withEnv(noEnv, () => loadRegistriesConf({ root: f.dir, home: f.home, aliasesPath: f.opts.aliasesPath }));
  assert.equal(conf.configPath, join(f.dir, USER));
  assert.deepEqual(conf.files, [join(f.dir, USER), join(f.dir, `${USER}.d/10-x.conf`)]);
  assert.deepEqual(conf.unqualifiedSearchRegistries, ['user.example']);
  assert.equal(conf.unqualifiedSearchRegistriesOrigin, join(f.dir, USER));
  assert.equal(conf.shortNameMode, 'disabled');
  assert.deepEqual(conf.aliases, {}); // the distribution's aliases are gone
});

test('drop-ins: keys replaced, [[registry]] replaced by prefix, aliases merged', () => {
  const f = fixture({
    'registries.conf': `
unqualified-search-registries = ["a.example", "b.example"]
credential-helpers = ["pass"]
[[registry]]
prefix = "x.example/team"
location = "old.example/team"
insecure = true
[[registry.mirror]]
location = "mirror.example/team"
[[registry]]
location = "keep.example"
[aliases]
"foo" = "quay.io/foo/foo"
"bar" = "quay.io/bar/bar"
"docker" = "docker.io/docker"
`,
    'd/10-first.conf': `
[[registry]]
prefix = "x.example/team"
location = "new.example/team"
[[registry]]
location = "added.example"
blocked = true
[aliases]
"bar" = ""
"baz" = "quay.io/baz/baz"
`,
    'd/20-second.conf': 'short-name-mode = "enforcing"\nunqualified-search-registries = ["c.example"]\n[aliases]\n"foo" = "quay.io/other/foo"\n',
    'd/README': 'not = "toml read"\n',
    'd/sub.conf/inner.conf': 'short-name-mode = "disabled"\n',
  });
  const conf = f.load();
  assert.deepEqual(conf.files, [f.opts.confPath, join(f.dir, 'd/10-first.conf'), join(f.dir, 'd/20-second.conf')]);
  assert.deepEqual(conf.unqualifiedSearchRegistries, ['c.example']);
  assert.equal(conf.unqualifiedSearchRegistriesOrigin, join(f.dir, 'd/20-second.conf'));
  assert.deepEqual(conf.credentialHelpers, ['pass']);
  assert.equal(conf.shortNameMode, 'enforcing');
  // The whole entry is replaced: its mirror and insecure flag are gone.
  assert.deepEqual(conf.registries.map((r) => r.prefix), ['added.example', 'keep.example', 'x.example/team']);
  const team = conf.registries[2];
  assert.deepEqual({ location: team.location, insecure: team.insecure, mirror: team.mirror }, { location: 'new.example/team', insecure: false, mirror: [] });
  assert.deepEqual(conf.aliases, { foo: 'quay.io/other/foo', baz: 'quay.io/baz/baz', docker: 'docker.io/library/docker' });
  assert.equal(conf.aliasOrigins.foo, join(f.dir, 'd/20-second.conf'));
  assert.equal(conf.aliasOrigins.docker, f.opts.confPath);
});

test('drop-ins: an empty array clears; a missing main file is fine', () => {
  const f = fixture({ [`${SYS}.d/a.conf`]: 'unqualified-search-registries = ["a.example"]\n', [`${SYS}.d/b.conf`]: 'unqualified-search-registries = []\n' });
  const conf = withEnv(noEnv, () => loadRegistriesConf({ root: f.dir, home: f.home, aliasesPath: f.opts.aliasesPath }));
  assert.deepEqual(conf.files, [join(f.dir, `${SYS}.d/a.conf`), join(f.dir, `${SYS}.d/b.conf`)]);
  assert.deepEqual(conf.unqualifiedSearchRegistries, []);
  throwsInvalid(() => resolveShortName(conf, 'busybox', { terminal: false }),
    /^short-name "busybox" did not resolve to an alias and no unqualified-search registries are defined in ".*\/b\.conf"$/);
  const none = withEnv(noEnv, () => loadRegistriesConf({ root: join(f.dir, 'empty'), home: f.home, aliasesPath: f.opts.aliasesPath }));
  assert.deepEqual(none.files, []);
  throwsInvalid(() => resolveShortName(none, 'x:1', { terminal: false }),
    /^short-name "x:1" did not resolve to an alias and no containers-registries.conf\(5\) was found$/);
});

test('v1 format: converted in the main file, refused in drop-ins and when mixed', () => {
  const v1 = '[registries.search]\nregistries = ["s.example"]\n[registries.insecure]\nregistries = ["i.example"]\n[registries.block]\nregistries = ["b.example/"]\n';
  const conf = fixture({ 'registries.conf': v1 }).load();
  assert.deepEqual(conf.unqualifiedSearchRegistries, ['s.example']);
  assert.deepEqual(conf.registries.map((r) => [r.prefix, r.insecure, r.blocked]),
    [['b.example', false, true], ['i.example', true, false], ['s.example', false, false]]);
  throwsInvalid(() => fixture({ 'registries.conf': '', 'd/v1.conf': v1 }).load(), /drop-in.*must be in v2 format but is in v1/);
  throwsInvalid(() => fixture({ 'registries.conf': `short-name-mode = "enforcing"\n${v1}` }).load(), /mixing sysregistry v1\/v2/);
});

test('validation errors', () => {
  const cases: [string, RegExp][] = [
    ['[[registry]]\nlocation = "https://quay.io"\n', /URI schemes are not supported/],
    ['[[registry]]\ninsecure = true\n', /both location and prefix are unset/],
    ['[[registry]]\nprefix = "quay.io/x"\n', /location is unset and prefix is not in the format/],
    ['[[registry]]\nprefix = "*.example.com/foo"\n', /Wildcarded prefix should be in the format/],
    ['[[registry]]\nlocation = "q.example"\n[[registry.mirror]]\ninsecure = true\n', /mirror location is unset/],
    ['[[registry]]\nlocation = "q.example"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.example"\npull-from-mirror = "all"\n', /at the same time/],
    ['[[registry]]\nlocation = "q.example"\n[[registry.mirror]]\nlocation = "m.example"\npull-from-mirror = "some"\n', /unsupported pull-from-mirror value "some"/],
    ['[[registry]]\nprefix = "a.example"\nlocation = "q.example"\ninsecure = true\n[[registry]]\nprefix = "b.example"\nlocation = "q.example"\n', /registry 'q.example' is defined multiple times with conflicting 'insecure' setting/],
    ['unqualified-search-registries = ["quay.io/ns"]\n', /Invalid unqualified-search-registries entry "quay.io\/ns"/],
    ['[[registry]]\nlocation = "q.example"\ninsecure = "yes"\n', /insecure: expected true or false/],
    ['[aliases]\n"foo" = "quay.io/foo:1"\n', /invalid alias "quay.io\/foo:1": must not contain tag/],
    ['[aliases]\n"foo" = "foo/bar"\n', /invalid alias "foo\/bar": must contain registry and repository/],
    ['[aliases]\n"quay.io/foo" = "quay.io/foo"\n"x:1" = "quay.io/x"\n', /must not contain registry\n: .*must not contain tag/],
  ];
  for (const [text, message] of cases) throwsInvalid(() => fixture({ 'registries.conf': text }).load(), message);
});

test('within one file the first entry for a prefix wins', () => {
  const conf = fixture({ 'registries.conf': '[[registry]]\nprefix = "p.example"\nlocation = "one.example"\n[[registry]]\nprefix = "p.example"\nlocation = "two.example"\n' }).load();
  assert.deepEqual(conf.registries.map((r) => r.location), ['one.example']);
});

test("Podman's short-name-aliases.conf overrides registries.conf", () => {
  const f = fixture({
    'registries.conf': '[aliases]\n"a" = "quay.io/conf/a"\n"b" = "quay.io/conf/b"\n',
    'aliases.conf': '[aliases]\n"a" = "quay.io/cache/a"\n"b" = ""\n"c" = "docker.io/c"\n',
  });
  const conf = f.load();
  assert.deepEqual(conf.aliases, { a: 'quay.io/cache/a', c: 'docker.io/library/c' });
  assert.equal(conf.aliasOrigins.a, f.opts.aliasesPath);
  assert.ok(conf.files.includes(f.opts.aliasesPath!));
  assert.match(loadRegistriesConf({ ...f.opts, aliasesPath: undefined, euid: 1000 }).shortNameAliasesPath, /containers\/short-name-aliases\.conf$/);
  assert.equal(loadRegistriesConf({ ...f.opts, aliasesPath: undefined, euid: 0 }).shortNameAliasesPath, '/var/cache/containers/short-name-aliases.conf');
  throwsInvalid(() => fixture({ 'registries.conf': '', 'aliases.conf': '[aliases]\n"x" = "nope"\n' }).load(), /loading short-name aliases config file/);
});

const lookupConf = () => fixture({
  'registries.conf': `
[[registry]]
location = "example.com"
[[registry]]
prefix = "example.com/foo"
location = "internal.example.net/bar"
insecure = true
[[registry.mirror]]
location = "mirror-0.local/mirror-for-foo"
[[registry.mirror]]
location = "mirror-1.local/mirrors/foo"
insecure = true
[[registry]]
prefix = "*.wild.example"
[[registry.mirror]]
location = "wild-mirror.local"
[[registry]]
location = "docker.io/library/busybox"
mirror-by-digest-only = true
[[registry.mirror]]
location = "hub-mirror.local/busybox"
[[registry]]
location = "q.example"
[[registry.mirror]]
location = "digest-mirror.local"
pull-from-mirror = "digest-only"
[[registry]]
location = "q.example/tags"
[[registry.mirror]]
location = "tag-mirror.local"
pull-from-mirror = "tag-only"
[[registry]]
location = "blocked.example"
blocked = true
[[registry]]
location = "blocked-mirrored.example"
blocked = true
[[registry.mirror]]
location = "rescue.local"
`,
}).load();

test('findRegistry: longest prefix on component boundaries, wildcards', () => {
  const conf = lookupConf();
  const prefixOf = (ref: string) => findRegistry(conf, ref)?.prefix;
  assert.equal(prefixOf('example.com/foo/image:latest'), 'example.com/foo');
  assert.equal(prefixOf('example.com/foo'), 'example.com/foo');
  assert.equal(prefixOf('example.com/foobar/image'), 'example.com'); // not a component boundary
  assert.equal(prefixOf('example.com/other'), 'example.com');
  assert.equal(prefixOf('example.com:5000/x'), 'example.com'); // Podman's documented quirk
  assert.equal(prefixOf('example.community/x'), undefined);
  assert.equal(prefixOf('a.wild.example/x'), '*.wild.example');
  assert.equal(prefixOf('a.b.wild.example/x:1'), '*.wild.example');
  assert.equal(prefixOf('wild.example/x'), undefined);
  assert.equal(prefixOf('evil.example/a.wild.example'), undefined); // only the host part
  assert.equal(prefixOf('docker.io/busybox:1'), 'docker.io/library/busybox'); // normalised first
  assert.equal(prefixOf('index.docker.io/library/busybox'), 'docker.io/library/busybox');
  assert.equal(prefixOf('docker.io/busyboxes'), undefined);
  assert.equal(prefixOf('example.com'), 'example.com'); // a bare host
});

test('pullSources: mirrors in order, then the rewritten primary', () => {
  const conf = lookupConf();
  assert.deepEqual(refs(conf, 'example.com/foo/image'), [
    'mirror-0.local/mirror-for-foo/image:latest',
    'mirror-1.local/mirrors/foo/image:latest (insecure)',
    'internal.example.net/bar/image:latest (insecure)',
  ]);
  assert.deepEqual(refs(conf, `example.com/foo/image:1@${D}`)[2], `internal.example.net/bar/image:1@${D} (insecure)`);
  assert.deepEqual(pullSources(conf, 'example.com/x').map((s) => s.mirror), [false]);
  assert.deepEqual(refs(conf, 'unrelated.example/a/b:2'), ['unrelated.example/a/b:2']);
  // Wildcard: no location, so no rewrite; its mirrors still apply.
  assert.deepEqual(refs(conf, 'a.wild.example/ns/img:3'), ['wild-mirror.local/ns/img:3', 'a.wild.example/ns/img:3']);
});

test('pullSources: digest-only and tag-only mirrors', () => {
  const conf = lookupConf();
  assert.deepEqual(refs(conf, 'docker.io/busybox'), ['docker.io/library/busybox:latest']);
  assert.deepEqual(refs(conf, `docker.io/busybox@${D}`), [`hub-mirror.local/busybox@${D}`, `docker.io/library/busybox@${D}`]);
  assert.deepEqual(refs(conf, 'q.example/a:1'), ['q.example/a:1']);
  assert.deepEqual(refs(conf, `q.example/a@${D}`), [`digest-mirror.local/a@${D}`, `q.example/a@${D}`]);
  assert.deepEqual(refs(conf, 'q.example/tags/a:1'), ['tag-mirror.local/a:1', 'q.example/tags/a:1']);
  assert.deepEqual(refs(conf, `q.example/tags/a@${D}`), [`q.example/tags/a@${D}`]);
});

test('pullSources: blocked registries', () => {
  const conf = lookupConf();
  throwsInvalid(() => pullSources(conf, 'blocked.example/x'),
    new RegExp(`^registry blocked\\.example is blocked in ${conf.configPath} or ${conf.configDirPath}$`));
  // As in Podman, the mirrors of a blocked registry are still used.
  assert.deepEqual(refs(conf, 'blocked-mirrored.example/x'), ['rescue.local/x:latest']);
  throwsInvalid(() => pullSources(conf, 'busybox'), /short name/);
});

test('resolveShortName: aliases', () => {
  const conf = fixture({
    'registries.conf': `unqualified-search-registries = ["a.example", "b.example"]
short-name-mode = "enforcing"
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"library/fedora" = "quay.io/other/fedora"
"alpine" = "docker.io/alpine"
`,
  }).load();
  const r = resolveShortName(conf, 'fedora', { terminal: false });
  assert.deepEqual(r.candidates, ['registry.fedoraproject.org/fedora:latest']);
  assert.equal(r.alias, 'registry.fedoraproject.org/fedora');
  assert.equal(r.prompt, false);
  assert.equal(r.description, `Resolved "fedora" as an alias (${conf.configPath})`);
  assert.deepEqual(resolveShortName(conf, 'fedora:39', { terminal: false }).candidates, ['registry.fedoraproject.org/fedora:39']);
  assert.deepEqual(resolveShortName(conf, `fedora@${D}`, { terminal: false }).candidates, [`registry.fedoraproject.org/fedora@${D}`]);
  assert.deepEqual(resolveShortName(conf, `fedora:39@${D}`, { terminal: false }).candidates, [`registry.fedoraproject.org/fedora:39@${D}`]);
  assert.deepEqual(resolveShortName(conf, 'library/fedora', { terminal: false }).candidates, ['quay.io/other/fedora:latest']);
  assert.deepEqual(resolveShortName(conf, 'alpine:3', { terminal: false }).candidates, ['docker.io/library/alpine:3']);
  // Fully-qualified input is just normalised.
  assert.deepEqual(resolveShortName(conf, 'docker.io/fedora', { terminal: false }),
    { candidates: ['docker.io/library/fedora:latest'], prompt: false, description: '' });
});

test('resolveShortName: unqualified-search registries and short-name-mode', () => {
  const make = (mode: string, search = '"docker.io", "quay.io"') =>
    fixture({ 'registries.conf': `unqualified-search-registries = [${search}]\n${mode && `short-name-mode = "${mode}"`}\n` }).load();
  const both = ['docker.io/library/busybox:1', 'quay.io/busybox:1'];
  const enforcing = make('enforcing');
  throwsInvalid(() => resolveShortName(enforcing, 'busybox:1', { terminal: false }), /^short-name resolution enforced but cannot prompt without a TTY$/);
  assert.deepEqual(resolveShortName(enforcing, 'busybox:1', { terminal: true }), {
    candidates: both, prompt: true, description: `Resolving "busybox" using unqualified-search registries (${enforcing.configPath})`,
  });
  for (const mode of ['permissive', '']) {
    assert.deepEqual(resolveShortName(make(mode), 'busybox:1', { terminal: false }).candidates, both, mode);
    assert.equal(resolveShortName(make(mode), 'busybox:1', { terminal: true }).prompt, true, mode);
  }
  const disabled = resolveShortName(make('disabled'), 'busybox:1', { terminal: true });
  assert.deepEqual([disabled.candidates, disabled.prompt], [both, false]);
  // One search registry is never ambiguous, even when enforcing.
  const one = resolveShortName(make('enforcing', '"quay.io"'), `ns/app@${D}`, { terminal: false });
  assert.deepEqual([one.candidates, one.prompt], [[`quay.io/ns/app@${D}`], false]);
  assert.deepEqual(resolveShortName(make('enforcing', '"docker.io"'), 'user/app', { terminal: false }).candidates, ['docker.io/user/app:latest']);
  throwsInvalid(() => resolveShortName(enforcing, 'Busybox', { terminal: false }), /must be lowercase/);
});
