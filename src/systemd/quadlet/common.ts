// What every Quadlet conversion shares: the context (binary, system or
// user generator, the other files' names), the command-line builder, the
// copy of the source file that becomes the service, and the handlers of
// keys several file types have (networks, volumes, ports, user namespaces).
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { invalidArgument } from '../../common/errors.ts';
import { EXTENSIONS, QUADLET_KEYS, SUPPORTED_KEYS, UNIT_DEPENDENCY_KEYS } from './keys.ts';
import type { UnitFile } from './unitfile.ts';

/** Names known before conversion, so files can refer to each other in any order. */
export interface UnitInfo {
  /** The generated unit's name without ".service". */
  serviceName: string;
  /** The name of the network, volume, image or pod the unit creates ('' if it has none or it is not static). */
  resourceName: string;
  /** For .pod files: member services to start with the pod. */
  containersToStart: string[];
}

export interface QuadletContext {
  /** The husk binary written into Exec lines. */
  executable: string;
  /** The user generator (rootless): waits for the network differently. */
  isUser: boolean;
  /** Every file being converted, by file name (web.container, data.volume). */
  units: Map<string, UnitInfo>;
  /** Non-fatal findings (ambiguous image names, unquoted values). */
  warnings: string[];
}

export const serviceFile = (info: UnitInfo) => `${info.serviceName}.service`;

/** Errors about a Quadlet file name the file, as the generator log must. */
export const fail = (unit: UnitFile, msg: string) => invalidArgument(`${unit.fileName}: ${msg}`);

/** An argv under construction, starting with the binary and the global flags of the file. */
export class Cmdline {
  args: string[];
  constructor(exe: string) {
    this.args = [exe];
  }
  add(...a: string[]): this {
    this.args.push(...a);
    return this;
  }
  /** A boolean flag: --flag, or --flag=false when set to a false value. */
  addBool(flag: string, v: boolean): this {
    return this.add(v ? flag : `${flag}=false`);
  }
  /** --flag KEY=VALUE per entry, sorted by key as Podman does. */
  addKeys(flag: string, kv: Map<string, string | undefined>): this {
    for (const key of [...kv.keys()].sort()) {
      const v = kv.get(key);
      this.add(flag, v === undefined ? key : `${key}=${v}`);
    }
    return this;
  }
}

/** The binary, --module= per ContainersConfModule and GlobalArgs: the start of every command of a file. */
export function baseCommand(ctx: QuadletContext, unit: UnitFile, group: string): Cmdline {
  const cmd = new Cmdline(ctx.executable);
  for (const m of unit.lookupAll(group, 'ContainersConfModule')) cmd.add(`--module=${m}`);
  return cmd.add(...unit.lookupAllArgs(group, 'GlobalArgs'));
}

/** Unknown keys in the file's group or [Quadlet] are errors with file and line. */
export function checkKeys(unit: UnitFile, group: string): void {
  for (const [g, allowed] of [[group, SUPPORTED_KEYS[group]], ['Quadlet', QUADLET_KEYS]] as const) {
    for (const { key, line } of unit.listKeys(g)) {
      if (!allowed.has(key)) throw invalidArgument(`${unit.fileName}:${line}: unsupported key "${key}" in group "${g}"`);
    }
  }
}

/**
 * The copy of a Quadlet file that becomes its service: dependencies on other
 * Quadlet files translated to their services, network-online ordering,
 * SourcePath=, the storage mount, and the Quadlet group renamed X-... so
 * systemd ignores it (and it still documents where the unit came from).
 */
export function initService(ctx: QuadletContext, unit: UnitFile, group: string): { service: UnitFile; info: UnitInfo } {
  const info = ctx.units.get(unit.fileName);
  if (!info) throw fail(unit, 'internal error: file was not registered');
  checkKeys(unit, group);
  const service = unit.dup(serviceFile(info));
  translateDependencies(ctx, unit, service);
  if (service.lookupBooleanOr('Quadlet', 'DefaultDependencies', true)) {
    // The image pull and the network setup need the network up (Podman #21873); a user
    // manager cannot order after network-online.target, so it waits through a helper unit.
    const target = ctx.isUser ? 'husk-user-wait-network-online.service' : 'network-online.target';
    service.prepend('Unit', 'After', target);
    service.prepend('Unit', 'Wants', target);
  }
  if (unit.path) service.add('Unit', 'SourcePath', unit.path);
  service.add('Unit', 'RequiresMountsFor', '%t/containers');
  service.renameGroup(group, `X-${group}`);
  service.renameGroup('Quadlet', 'X-Quadlet');
  return { service, info };
}

function translateDependencies(ctx: QuadletContext, unit: UnitFile, service: UnitFile): void {
  for (const key of UNIT_DEPENDENCY_KEYS) {
    const deps = service.lookupAllStrv('Unit', key);
    if (!deps.some(isQuadletName)) continue;
    const translated = deps.map((d) => {
      if (!isQuadletName(d)) return d;
      const info = ctx.units.get(d);
      if (!info) throw fail(unit, `unable to translate dependency for ${d}`);
      return serviceFile(info);
    });
    service.unset('Unit', key);
    service.add('Unit', key, translated.join(' '));
  }
}

export const extOf = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
};
const isQuadletName = (name: string) => extOf(name) in EXTENSIONS;

/** base name without its extension: web.container → web. */
export const stem = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
};

/** A path relative to the Quadlet file's directory, unless it is absolute or starts with a specifier. */
export function absolutePath(unit: UnitFile, p: string): string {
  if (isAbsolute(p) || (p.startsWith('%') && !p.startsWith('%%'))) return p;
  return unit.path ? join(dirname(unit.path), p) : resolve(p);
}

/** Adds Requires= and After= on another Quadlet file's service. */
function dependOn(service: UnitFile, info: UnitInfo): void {
  service.add('Unit', 'Requires', serviceFile(info));
  service.add('Unit', 'After', serviceFile(info));
}

/** Network=: foo.network becomes the network's name plus a dependency on its service; x.container joins its namespace. */
export function addNetworks(ctx: QuadletContext, unit: UnitFile, group: string, service: UnitFile, cmd: Cmdline): void {
  for (let network of unit.lookupAll(group, 'Network')) {
    const colon = network.indexOf(':');
    const name = colon < 0 ? network : network.slice(0, colon);
    const isNetwork = name.endsWith('.network');
    const isContainer = name.endsWith('.container');
    if (isNetwork || isContainer) {
      const info = ctx.units.get(name);
      if (!info) throw fail(unit, `requested Quadlet unit ${name} was not found`);
      if (!info.resourceName) throw fail(unit, `cannot get the resource name of ${name}`);
      dependOn(service, info);
      if (colon >= 0 && isContainer) throw fail(unit, "extra options are not supported when joining another container's network");
      network = isContainer ? `container:${info.resourceName}` : info.resourceName + (colon >= 0 ? network.slice(colon) : '');
    }
    cmd.add('--network', network);
  }
}

/** A volume or mount source: paths need their mount, foo.volume (and foo.image for mounts) need their service. */
export function storageSource(ctx: QuadletContext, unit: UnitFile, service: UnitFile, source: string, images: boolean): string {
  if (source.startsWith('.')) source = absolutePath(unit, source);
  if (source.startsWith('/')) {
    service.add('Unit', 'RequiresMountsFor', source);
  } else if (source.endsWith('.volume') || (images && source.endsWith('.image'))) {
    const info = ctx.units.get(source);
    if (!info) throw fail(unit, `requested Quadlet source ${source} was not found`);
    dependOn(service, info);
    source = info.resourceName;
  }
  return source;
}

/** Volume=[SOURCE:]DEST[:OPTIONS] as -v. */
export function addVolumes(ctx: QuadletContext, unit: UnitFile, group: string, service: UnitFile, cmd: Cmdline): void {
  for (const volume of unit.lookupAll(group, 'Volume')) {
    const parts = volume.split(':');
    const [source, dest] = parts.length >= 2 ? [parts[0], parts[1]] : ['', parts[0]];
    const options = parts.length >= 3 ? ':' + parts.slice(2).join(':') : '';
    if (!source) { cmd.add('-v', dest); continue; }
    cmd.add('-v', `${storageSource(ctx, unit, service, source, false)}:${dest}${options}`);
  }
}

/** Image= naming a .image or .build file: that file's image plus a dependency on its service. */
export function imageSource(ctx: QuadletContext, unit: UnitFile, service: UnitFile, image: string): string {
  if (!image.endsWith('.image') && !image.endsWith('.build')) return image;
  const info = ctx.units.get(image);
  if (!info) throw fail(unit, `requested Quadlet image ${image} was not found`);
  dependOn(service, info);
  return info.resourceName;
}

export function addPublishPorts(unit: UnitFile, group: string, cmd: Cmdline): void {
  for (const p of unit.lookupAll(group, 'PublishPort')) cmd.add('--publish', p.trim());
}

export function addPodmanArgs(unit: UnitFile, group: string, cmd: Cmdline): void {
  cmd.add(...unit.lookupAllArgs(group, 'PodmanArgs'));
}

/** Keys given as one flag with the last value. */
export function addStrings(unit: UnitFile, group: string, cmd: Cmdline, keys: [string, string][]): void {
  for (const [key, flag] of keys) {
    const v = unit.lookup(group, key);
    if (v) cmd.add(flag, v);
  }
}

/** Keys given as one flag per value. */
export function addAllStrings(unit: UnitFile, group: string, cmd: Cmdline, keys: [string, string][]): void {
  for (const [key, flag] of keys) for (const v of unit.lookupAll(group, key)) cmd.add(flag, v);
}

export function addBooleans(unit: UnitFile, group: string, cmd: Cmdline, keys: [string, string][]): void {
  for (const [key, flag] of keys) {
    const v = unit.lookupBoolean(group, key);
    if (v !== undefined) cmd.addBool(flag, v);
  }
}

/** Label=, Environment=, Annotation=, Options=: KEY=VALUE words, one flag each. */
export function addKeyVals(unit: UnitFile, group: string, cmd: Cmdline, keys: [string, string][]): void {
  for (const [key, flag] of keys) cmd.addKeys(flag, unit.lookupAllKeyVal(group, key));
}

export function addLogging(unit: UnitFile, group: string, cmd: Cmdline): void {
  const driver = unit.lookup(group, 'LogDriver');
  if (driver !== undefined) cmd.add('--log-driver', driver);
  for (const opt of unit.lookupAllStrv(group, 'LogOpt')) cmd.add('--log-opt', opt);
}

/** UserNS=, UIDMap=, GIDMap=, SubUIDMap=, SubGIDMap=, and the deprecated Remap* keys. */
export function addUserMappings(unit: UnitFile, group: string, cmd: Cmdline, supportManual: boolean): void {
  let defined = false;
  const userns = unit.lookup(group, 'UserNS');
  if (userns) { cmd.add('--userns', userns); defined = true; }
  for (const m of unit.lookupAllStrv(group, 'UIDMap')) { cmd.add('--uidmap', m); defined = true; }
  for (const m of unit.lookupAllStrv(group, 'GIDMap')) { cmd.add('--gidmap', m); defined = true; }
  for (const [key, flag] of [['SubUIDMap', '--subuidname'], ['SubGIDMap', '--subgidname']]) {
    const v = unit.lookup(group, key);
    if (v) { cmd.add(flag, v); defined = true; }
  }
  const uidMaps = unit.lookupAllStrv(group, 'RemapUid');
  const gidMaps = unit.lookupAllStrv(group, 'RemapGid');
  const remap = unit.lookupLast(group, 'RemapUsers');
  if (defined) {
    if (uidMaps.length || gidMaps.length || remap !== undefined) throw fail(unit, 'deprecated Remap keys are set along with explicit mapping keys');
    return;
  }
  switch (remap ?? '') {
    case '':
      if (uidMaps.length) throw fail(unit, 'UidMap set without RemapUsers');
      if (gidMaps.length) throw fail(unit, 'GidMap set without RemapUsers');
      return;
    case 'manual':
      if (!supportManual) throw fail(unit, 'RemapUsers=manual is not supported');
      for (const m of uidMaps) cmd.add('--uidmap', m);
      for (const m of gidMaps) cmd.add('--gidmap', m);
      return;
    case 'auto': {
      const opts = [...uidMaps.map((m) => `uidmapping=${m}`), ...gidMaps.map((m) => `gidmapping=${m}`)];
      const size = Number(unit.lookup(group, 'RemapUidSize') ?? 0);
      if (size > 0) opts.push(`size=${size}`);
      cmd.add('--userns', opts.length ? `auto:${opts.join(',')}` : 'auto');
      return;
    }
    case 'keep-id': {
      if (uidMaps.length > 1) throw fail(unit, 'RemapUsers=keep-id supports only a single value for UID mapping');
      if (gidMaps.length > 1) throw fail(unit, 'RemapUsers=keep-id supports only a single value for GID mapping');
      const opts = [...uidMaps.map((m) => `uid=${m}`), ...gidMaps.map((m) => `gid=${m}`)];
      cmd.add('--userns', opts.length ? `keep-id:${opts.join(',')}` : 'keep-id');
      return;
    }
    default:
      throw fail(unit, `unsupported RemapUsers option '${remap}'`);
  }
}

/**
 * SetWorkingDirectory=yaml|file|unit|PATH|URL: the service's WorkingDirectory=
 * (unless [Service] sets one); for .build files a path or URL is the build context, returned.
 */
export function setWorkingDirectory(unit: UnitFile, group: string, service: UnitFile): string {
  const v = unit.lookup(group, 'SetWorkingDirectory');
  if (!v) return '';
  let relativeTo = '';
  let context = '';
  switch (v.toLowerCase()) {
    case 'yaml':
      if (group !== 'Kube') throw fail(unit, `SetWorkingDirectory=${v} is only supported in .kube files`);
      relativeTo = unit.lookup(group, 'Yaml') ?? '';
      if (!relativeTo) throw fail(unit, 'no Yaml key specified');
      break;
    case 'file':
      if (group !== 'Build') throw fail(unit, `SetWorkingDirectory=${v} is only supported in .build files`);
      relativeTo = unit.lookup(group, 'File') ?? '';
      if (!relativeTo) throw fail(unit, 'no File key specified');
      break;
    case 'unit':
      relativeTo = unit.path;
      break;
    default:
      if (group !== 'Build') throw fail(unit, `unsupported value for WorkingDirectory: ${v}`);
      context = v;
      if (!isAbsolute(context)) relativeTo = unit.path;
  }
  if (relativeTo && !isURL(context)) {
    if (unit.lookup('Service', 'WorkingDirectory')) return context;
    service.add('Service', 'WorkingDirectory', dirname(absolutePath(unit, relativeTo)));
  }
  return context;
}

export const isURL = (s: string) => /^((https?)|(git):\/\/)|(github\.com\/).+$/.test(s);

/** Oneshot defaults of resource units (network, volume, image, build): done once the resource exists. */
export function oneshotDefaults(service: UnitFile, remainAfterExit: boolean): void {
  if (!service.has('Service', 'SyslogIdentifier')) service.set('Service', 'SyslogIdentifier', '%N');
  if (!service.has('Service', 'Type')) service.set('Service', 'Type', 'oneshot');
  if (remainAfterExit && !service.has('Service', 'RemainAfterExit')) service.set('Service', 'RemainAfterExit', 'yes');
}
