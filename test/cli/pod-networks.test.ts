// A pod on several bridge networks: `pod create --network a,b` or repeated
// --network with NAME:ip=…,interface_name=… (Podman's pod create takes the
// same network flags as create). The infra container gets one interface per
// network, which every member sees through the shared network namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../helpers.ts';
import { twoNetworks } from './nettools.ts';

const s = new Store();
const { base1, base2, re } = twoNetworks(s, ['pnet1', 'pnet2']);

/** "NAME inet ADDR/LEN" per non-loopback IPv4 address seen inside a member. */
const addrsIn = (out: string) => out.split('\n').map((l) => l.split(/\s+/).slice(1, 4).join(' ')).filter((l) => l && !l.startsWith('lo ')).sort();

test('pod create --network a,b: the infra container is on both networks, a member sees eth0 and eth1, inspect lists both', () => {
  s.ok(['pod', 'create', '--name', 'duo', '--network', 'pnet1,pnet2']);
  const seen = addrsIn(s.ok(['run', '--rm', '--pod', 'duo', 'busybox', 'ip', '-o', '-4', 'addr']));
  assert.equal(seen.length, 2, seen.join('\n'));
  assert.match(seen[0], new RegExp(`^eth0 inet ${re(base1)}\\d+/24$`));
  assert.match(seen[1], new RegExp(`^eth1 inet ${re(base2)}\\d+/24$`));
  const nets = JSON.parse(s.ok(['pod', 'inspect', 'duo', '--format', '{{json .InfraConfig.Networks}}'])) as string[];
  assert.deepEqual([...nets].sort(), ['pnet1', 'pnet2']);
  s.ok(['pod', 'rm', '-f', 'duo']);
});

test('repeated --network with per-network options: a named interface and a static address on the second network', () => {
  s.ok(['pod', 'create', '--name', 'opts', '--network', 'pnet1', '--network', `pnet2:interface_name=pod7,ip=${base2}77`]);
  const seen = addrsIn(s.ok(['run', '--rm', '--pod', 'opts', 'busybox', 'ip', '-o', '-4', 'addr']));
  assert.deepEqual(seen.map((l) => l.split(' ')[0]), ['eth0', 'pod7']);
  assert.equal(seen[1], `pod7 inet ${base2}77/24`);
  s.ok(['pod', 'rm', '-f', 'opts']);
});

test('bad --network combinations get Podman\'s errors, exit 125, and leave no pod', () => {
  const cases: [string[], RegExp][] = [
    [['--network', 'host', '--network', 'pnet1'], /cannot set multiple networks without bridge network mode, selected mode host/],
    [['--network', 'pnet1:bogus=1'], /invalid option for network pnet1: unknown bridge network option: bogus/],
  ];
  for (const [flags, msg] of cases) {
    const r = s.husk(['pod', 'create', '--name', 'bad', ...flags]);
    assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(s.husk(['pod', 'exists', 'bad']).code, 1);
  }
});
