// Run by netavark.test.ts inside a private mount namespace in which
// /run/systemd/system exists while PID 1 is not systemd (as on CI hosts).
// Shows that plain netavark starts no DNS server there and that the adapter's
// default gets one running; prints one JSON line of findings. Usage: node systemd-scenario.ts TMPDIR
import { join } from 'node:path';
import { buildBridgeNetwork } from '../../../src/runtime/network/config.ts';
import { systemdMisdetected } from '../../../src/runtime/network/aardvark.ts';
import { Netavark, type NetworkOptions } from '../../../src/runtime/network/netavark.ts';
import { createNetns, deleteNetns } from '../../../src/runtime/network/netns.ts';
import { aardvarkPids, freeTestSubnet, nslookup } from './nettools.ts';

const tmp = process.argv[2];
const { subnet, bridge } = freeTestSubnet();
const net = buildBridgeNetwork({ name: `husksd-${process.pid}`, subnet, interfaceName: bridge });
const gateway = subnet.replace(/0\/24$/, '1');
const nsDir = join(tmp, 'sd-netns');
const res: Record<string, unknown> = { misdetected: systemdMisdetected() };

const opts = (id: string, name: string): NetworkOptions => ({
  containerId: id.repeat(32), containerName: name,
  networks: { [net.name]: { interfaceName: 'eth0' } }, networkInfo: { [net.name]: net },
});

// 1. netavark as Podman runs it: it tries systemd-run, which cannot reach systemd.
const plain = new Netavark({ configDir: join(tmp, 'sd-plain'), ownAardvark: false });
const ns0 = await createNetns(nsDir);
try {
  // Without systemd-run installed, netavark's setup fails outright instead.
  await plain.setup(ns0, opts('a0', 'lonely')).catch((e: Error) => (res.plainSetupError = e.message));
  res.plainDnsRunning = plain.aardvarkPid() !== undefined;
} finally {
  await plain.teardown(ns0, opts('a0', 'lonely')).catch((e: Error) => (res.plainTeardownError = e.message));
  deleteNetns(ns0);
}

// 2. The adapter's default: it detects the situation and starts aardvark-dns itself.
const nv = new Netavark({ configDir: join(tmp, 'sd-networks') });
res.own = nv.ownAardvark;
const ns1 = await createNetns(nsDir);
const ns2 = await createNetns(nsDir);
try {
  const r = await nv.setup(ns1, opts('b1', 'web'));
  await nv.setup(ns2, opts('c2', 'client'));
  res.webIp = r[net.name].interfaces!.eth0.subnets![0].ipnet.split('/')[0];
  res.ownResolved = nslookup(ns2, 'web', gateway);
} finally {
  await nv.teardown(ns1, opts('b1', 'web')).catch((e: Error) => (res.teardownError1 = e.message));
  await nv.teardown(ns2, opts('c2', 'client')).catch((e: Error) => (res.teardownError2 = e.message));
  deleteNetns(ns1);
  deleteNetns(ns2);
}
res.aardvarkAfter = aardvarkPids(nv.configDir);
console.log(JSON.stringify(res));
