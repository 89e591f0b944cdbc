// .network, .volume, .image and .build files become oneshot services that
// create the resource (idempotently: --ignore, or a pull/build) and stay
// "active" afterwards, so containers can Require= and order After= them.
import { isAbsolute } from 'node:path';
import {
  type QuadletContext, addAllStrings, addBooleans, addKeyVals, addNetworks, addPodmanArgs, addStrings, addVolumes,
  baseCommand, fail, imageSource, initService, isURL, oneshotDefaults, setWorkingDirectory, stem,
} from './common.ts';
import type { UnitFile } from './unitfile.ts';

/** NetworkName=/VolumeName=, or systemd-STEM. */
export const networkName = (unit: UnitFile) => unit.lookup('Network', 'NetworkName') || `systemd-${stem(unit.fileName)}`;
export const volumeName = (unit: UnitFile) => unit.lookup('Volume', 'VolumeName') || `systemd-${stem(unit.fileName)}`;
/** The image a .image file pulls, under its ImageTag= if set. */
export const imageName = (unit: UnitFile) => unit.lookup('Image', 'ImageTag') || unit.lookup('Image', 'Image') || '';
/** A .build file's image is its first ImageTag=. */
export const builtImageName = (unit: UnitFile) => unit.lookupAll('Build', 'ImageTag')[0] ?? '';

export function convertNetwork(ctx: QuadletContext, unit: UnitFile): UnitFile {
  const G = 'Network';
  const { service } = initService(ctx, unit, G);
  const name = networkName(unit);
  if (unit.lookupBooleanOr(G, 'NetworkDeleteOnStop', false)) {
    service.addCmdline('Service', 'ExecStopPost', baseCommand(ctx, unit, G).add('network', 'rm', name).args);
  }
  const cmd = baseCommand(ctx, unit, G).add('network', 'create', '--ignore');
  addBooleans(unit, G, cmd, [['DisableDNS', '--disable-dns'], ['Internal', '--internal'], ['IPv6', '--ipv6']]);
  addStrings(unit, G, cmd, [['Driver', '--driver'], ['IPAMDriver', '--ipam-driver'], ['InterfaceName', '--interface-name']]);
  addAllStrings(unit, G, cmd, [['DNS', '--dns']]);
  // Gateway= and IPRange= pair with the Subnet= of the same position.
  const subnets = unit.lookupAll(G, 'Subnet');
  const gateways = unit.lookupAll(G, 'Gateway');
  const ranges = unit.lookupAll(G, 'IPRange');
  if (subnets.length) {
    if (gateways.length > subnets.length) throw fail(unit, 'cannot set more gateways than subnets');
    if (ranges.length > subnets.length) throw fail(unit, 'cannot set more ranges than subnets');
    subnets.forEach((s, i) => {
      cmd.add('--subnet', s);
      if (gateways[i]) cmd.add('--gateway', gateways[i]);
      if (ranges[i]) cmd.add('--ip-range', ranges[i]);
    });
  } else if (gateways.length || ranges.length) {
    throw fail(unit, 'cannot set gateway or range without subnet');
  }
  addKeyVals(unit, G, cmd, [['Options', '--opt'], ['Label', '--label']]);
  addPodmanArgs(unit, G, cmd);
  cmd.add(name);
  service.addCmdline('Service', 'ExecStart', cmd.args);
  oneshotDefaults(service, true);
  return service;
}

export function convertVolume(ctx: QuadletContext, unit: UnitFile): UnitFile {
  const G = 'Volume';
  const { service } = initService(ctx, unit, G);
  const name = volumeName(unit);
  const cmd = baseCommand(ctx, unit, G).add('volume', 'create', '--ignore');
  const driver = unit.lookup(G, 'Driver');
  if (driver !== undefined) cmd.add('--driver', driver);
  // Mount options collect into one "o=" option; the image driver takes "image=" instead.
  let opts = '';
  if (driver === 'image') {
    const image = unit.lookup(G, 'Image');
    if (image === undefined) throw fail(unit, 'the key Image is mandatory when using the image driver');
    opts = `image=${imageSource(ctx, unit, service, image)}`;
  } else {
    const o: string[] = [];
    for (const [key, opt] of [['User', 'uid'], ['Group', 'gid']]) {
      const v = unit.lookup(G, key);
      if (v !== undefined) o.push(`${opt}=${Number.parseInt(v, 10) || 0}`);
    }
    const copy = unit.lookupBoolean(G, 'Copy');
    if (copy !== undefined) cmd.add('--opt', copy ? 'copy' : 'nocopy');
    const device = unit.lookup(G, 'Device');
    if (device) cmd.add('--opt', `device=${device}`);
    const type = unit.lookup(G, 'Type');
    if (type) {
      if (!device) throw fail(unit, "key Type can't be used without Device");
      cmd.add('--opt', `type=${type}`);
      if (type === 'bind') service.add('Unit', 'RequiresMountsFor', device);
    }
    const mountOpts = unit.lookup(G, 'Options');
    if (mountOpts) {
      if (!device) throw fail(unit, "key Options can't be used without Device");
      o.push(mountOpts);
    }
    if (o.length) opts = `o=${o.join(',')}`;
  }
  if (opts) cmd.add('--opt', opts);
  addKeyVals(unit, G, cmd, [['Label', '--label']]);
  addPodmanArgs(unit, G, cmd);
  cmd.add(name);
  service.addCmdline('Service', 'ExecStart', cmd.args);
  oneshotDefaults(service, true);
  return service;
}

export function convertImage(ctx: QuadletContext, unit: UnitFile): UnitFile {
  const G = 'Image';
  const { service } = initService(ctx, unit, G);
  const image = unit.lookup(G, 'Image');
  if (!image) throw fail(unit, 'no Image key specified');
  const cmd = baseCommand(ctx, unit, G).add('image', 'pull');
  addStrings(unit, G, cmd, [
    ['Arch', '--arch'], ['AuthFile', '--authfile'], ['CertDir', '--cert-dir'], ['Creds', '--creds'],
    ['DecryptionKey', '--decryption-key'], ['OS', '--os'], ['Variant', '--variant'], ['Retry', '--retry'],
    ['RetryDelay', '--retry-delay'],
  ]);
  addBooleans(unit, G, cmd, [['AllTags', '--all-tags'], ['TLSVerify', '--tls-verify']]);
  addPodmanArgs(unit, G, cmd);
  cmd.add(image);
  service.addCmdline('Service', 'ExecStart', cmd.args);
  oneshotDefaults(service, true);
  return service;
}

export function convertBuild(ctx: QuadletContext, unit: UnitFile): UnitFile {
  const G = 'Build';
  const { service } = initService(ctx, unit, G);
  if (!builtImageName(unit)) throw fail(unit, 'no ImageTag key specified');
  const cmd = baseCommand(ctx, unit, G).add('build');
  // --pull takes its value with "=" only (Podman #24599).
  const pull = unit.lookup(G, 'Pull');
  if (pull) cmd.add(`--pull=${pull}`);
  addStrings(unit, G, cmd, [
    ['Arch', '--arch'], ['AuthFile', '--authfile'], ['Target', '--target'], ['Variant', '--variant'],
    ['Retry', '--retry'], ['RetryDelay', '--retry-delay'],
  ]);
  addBooleans(unit, G, cmd, [['TLSVerify', '--tls-verify'], ['ForceRM', '--force-rm']]);
  addAllStrings(unit, G, cmd, [
    ['DNS', '--dns'], ['DNSOption', '--dns-option'], ['DNSSearch', '--dns-search'], ['GroupAdd', '--group-add'],
    ['ImageTag', '--tag'],
  ]);
  addKeyVals(unit, G, cmd, [['Environment', '--env'], ['Label', '--label'], ['Annotation', '--annotation']]);
  addNetworks(ctx, unit, G, service, cmd);
  for (const s of unit.lookupAllArgs(G, 'Secret')) cmd.add('--secret', s);
  addVolumes(ctx, unit, G, service, cmd);
  // The context: SetWorkingDirectory= (a path or URL), else the directory of a relative File=.
  const context = setWorkingDirectory(unit, G, service);
  const workDir = service.lookup('Service', 'WorkingDirectory') ?? '';
  const file = unit.lookup(G, 'File') ?? '';
  if (!workDir && !file && !context) throw fail(unit, 'neither SetWorkingDirectory, nor File key specified');
  if (file) cmd.add('--file', file);
  addPodmanArgs(unit, G, cmd);
  if (context) cmd.add(context);
  else if (!isAbsolute(file) && !isURL(file)) {
    if (!workDir) throw fail(unit, 'relative path in File key requires SetWorkingDirectory key to be set');
    cmd.add(workDir);
  }
  service.addCmdline('Service', 'ExecStart', cmd.args);
  oneshotDefaults(service, false);
  return service;
}
