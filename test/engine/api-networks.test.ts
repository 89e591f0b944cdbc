// The networks domain through the Engine interface only (connect()), so the
// same test can later run against the remote client. The image and the
// containers come from the CLI on the same store. Bridges get names of
// their own: other stores on this host may run tests at the same time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../src/engine/api.ts';
import { openEngine } from './engine.ts';
import type { HuskError } from '../../src/common/errors.ts';
import { Store } from '../helpers.ts';
import { linkExists, randomSubnet } from '../cli/nettools.ts';

const s = new Store();
let engine: Engine;
const tag = process.pid % 100000;

before(async () => {
  s.busybox();
  engine = await openEngine({ root: s.root, runroot: s.runroot });
});
after(async () => {
  s.husk(['rm', '-af', '-t', '0']);
  await engine.networks.remove((await engine.networks.list()).map((n) => n.name).filter((n) => n !== 'podman'), { force: true });
  await engine.close();
  await s.destroyWhenIdle();
});

const code = (c: string) => (e: HuskError) => e.code === c;

test('create, list with filters, inspect, exists, remove reports, prune', async () => {
  const subnet = randomSubnet();
  const n1 = await engine.networks.create({ name: 'n1', subnet, interfaceName: `ha${tag}`, labels: { app: 'test' } });
  assert.equal(n1.name, 'n1');
  assert.equal(n1.subnets?.[0].subnet, subnet);
  assert.equal(n1.dns_enabled, true);
  assert.equal((await engine.networks.create({ name: 'n1', ignore: true })).id, n1.id);
  await assert.rejects(engine.networks.create({ name: 'n1' }), code('NAME_IN_USE'));
  await assert.rejects(engine.networks.create({ name: 'x', driver: 'macvlan' }), code('INVALID_ARGUMENT'));
  const auto = await engine.networks.create({ interfaceName: `hb${tag}`, internal: true, disableDns: true });
  assert.match(auto.name, /^podman\d+$/);
  assert.equal(auto.internal, true);

  const names = async (filters: Record<string, string[]>) => (await engine.networks.list({ filters })).map((n) => n.name).sort();
  assert.deepEqual(await names({}), [auto.name, 'n1', 'podman'].sort());
  assert.deepEqual(await names({ label: ['app=test'] }), ['n1']);
  assert.deepEqual(await names({ 'label!': ['app'] }), [auto.name, 'podman'].sort());
  assert.deepEqual(await names({ name: ['^n1$', '^podman$'] }), ['n1', 'podman']);
  assert.deepEqual(await names({ id: [n1.id.slice(0, 8)] }), ['n1']);
  assert.deepEqual(await names({ driver: ['bridge'], dangling: ['true'], label: ['app'] }), ['n1']);
  await assert.rejects(engine.networks.list({ filters: { color: ['red'] } }), code('INVALID_ARGUMENT'));

  assert.equal((await engine.networks.inspect(n1.id.slice(0, 6))).name, 'n1');
  await assert.rejects(engine.networks.inspect('nosuchnet'), code('NO_SUCH_NETWORK'));
  assert.equal(await engine.networks.exists('n1'), true);
  assert.equal(await engine.networks.exists('nosuchnet'), false);

  const reports = await engine.networks.remove(['nosuchnet', 'podman', auto.name]);
  assert.deepEqual(reports.map((r) => [r.id, r.error?.code]), [['nosuchnet', 'NO_SUCH_NETWORK'], ['podman', 'INVALID_ARGUMENT'], [auto.name, undefined]]);

  // prune: unused networks only (label-filtered here), never the default one.
  await engine.networks.create({ name: 'spare', interfaceName: `hc${tag}`, labels: { tmp: '1' } });
  assert.deepEqual(await engine.networks.prune({ filters: { label: ['tmp'] } }), [{ id: 'spare' }]);
  await assert.rejects(engine.networks.prune({ filters: { name: ['x'] } }), code('INVALID_ARGUMENT'));
  assert.deepEqual((await engine.networks.prune()).map((r) => r.id), ['n1']);
  assert.deepEqual(await names({}), ['podman']);
});

test('connect and disconnect a running container; rm needs force while it is attached', async () => {
  const subnet = randomSubnet();
  const bridge = `hd${tag}`;
  await engine.networks.create({ name: 'live', subnet, interfaceName: bridge });
  const id = s.ok(['run', '-d', '--name', 'c1', 'busybox', 'sleep', '1000']);
  const ifaces = () => s.ok(['exec', 'c1', 'ls', '/sys/class/net']).split(/\s+/).sort();
  assert.deepEqual(ifaces(), ['eth0', 'lo']);

  await engine.networks.connect('live', 'c1', { aliases: ['alias1'], ip: `${subnet.slice(0, -4)}9` });
  assert.deepEqual(ifaces(), ['eth0', 'eth1', 'lo']);
  assert.match(s.ok(['exec', 'c1', 'ip', '-o', '-4', 'addr', 'show', 'eth1']), new RegExp(`inet ${subnet.slice(0, -4).replaceAll('.', '\\.')}9/24`));
  assert.equal(linkExists(bridge), true);
  const nets = JSON.parse(s.ok(['inspect', 'c1', '--format', '{{json .NetworkSettings.Networks}}']));
  assert.deepEqual(Object.keys(nets).sort(), ['live', 'podman']);
  assert.deepEqual(nets.live.Aliases, ['alias1']);
  await assert.rejects(engine.networks.connect('live', 'c1'), code('NETWORK_CONNECTED'));
  await assert.rejects(engine.networks.connect('nosuchnet', 'c1'), code('NO_SUCH_NETWORK'));
  await assert.rejects(engine.networks.connect('live', 'nosuchctr'), code('NO_SUCH_CONTAINER'));
  assert.deepEqual((await engine.networks.list({ filters: { dangling: ['false'] } })).map((n) => n.name).sort(), ['live', 'podman']);

  assert.deepEqual(await engine.networks.reload(['c1']), [{ id, rawInput: 'c1' }]);
  assert.deepEqual((await engine.networks.reload(['nosuchctr']))[0].error?.code, 'NO_SUCH_CONTAINER');

  await engine.networks.disconnect('live', 'c1');
  assert.deepEqual(ifaces(), ['eth0', 'lo']);
  await assert.rejects(engine.networks.disconnect('live', 'c1'), code('NETWORK_NOT_CONNECTED'));

  await engine.networks.connect('live', 'c1');
  const [busy] = await engine.networks.remove(['live']);
  assert.equal(busy.error?.code, 'NETWORK_IN_USE');
  assert.match(busy.error!.message, /has associated containers/);
  // force removes the container first.
  assert.deepEqual(await engine.networks.remove(['live'], { force: true }), [{ id: 'live', rawInput: 'live' }]);
  assert.equal(s.husk(['container', 'exists', 'c1']).code, 1);
  assert.equal(await engine.networks.exists('live'), false);
});
