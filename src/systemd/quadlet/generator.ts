// The Quadlet systemd generator. systemd runs generators early at boot and
// on every daemon-reload with three output directories (normal, early,
// late); units written into the normal one behave like units in
// /run/systemd/generator. Generated units cannot be `systemctl enable`d, so
// their [Install] section is carried out here as symlinks. A file that
// fails to convert is reported and skipped; the others are still written.
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { HuskError } from '../../common/errors.ts';
import { type QuadletContext, type UnitInfo, extOf, stem } from './common.ts';
import { containerResourceName, containerServiceName, convertContainer } from './container.ts';
import { EXTENSIONS } from './keys.ts';
import { convertKube, convertPod, podName } from './pod.ts';
import { builtImageName, convertBuild, convertImage, convertNetwork, convertVolume, imageName, networkName, volumeName } from './resources.ts';
import { splitStrv } from './split.ts';
import { UnitFile } from './unitfile.ts';
import { compareText } from '../../common/order.ts';

export const UNIT_DIR_ADMIN = '/etc/containers/systemd';
export const UNIT_DIR_DISTRO = '/usr/share/containers/systemd';

export interface UnitDirOptions {
  /** The user generator: per-user files instead of the system ones. */
  rootless?: boolean;
  uid?: number;
  /** $XDG_CONFIG_HOME, or ~/.config. */
  configHome?: string;
  /** QUADLET_UNIT_DIRS: colon-separated directories replacing the defaults (tests, CI). */
  override?: string;
}

/** Directories and their subdirectories, in search order; earlier files shadow later ones of the same name. */
export function quadletUnitDirs(o: UnitDirOptions = {}): string[] {
  if (o.override) return o.override.split(':').filter(Boolean).flatMap((d) => withSubdirs(d, () => true));
  if (o.rootless) {
    const users = join(UNIT_DIR_ADMIN, 'users');
    return [
      ...withSubdirs(join(o.configHome ?? join(process.env.HOME ?? '/', '.config'), 'containers/systemd'), () => true),
      ...(o.uid !== undefined ? withSubdirs(join(users, String(o.uid)), () => true) : []),
      // Shared user files, but not other users' numbered directories.
      ...withSubdirs(users, (d) => d === users || !/^\d+$/.test(relative(users, d).split('/')[0])),
    ];
  }
  // The system generator skips the per-user tree.
  const users = join(UNIT_DIR_ADMIN, 'users');
  return [
    ...withSubdirs(UNIT_DIR_ADMIN, (d) => d !== users && !d.startsWith(users + '/')),
    ...withSubdirs(UNIT_DIR_DISTRO, () => true),
  ];
}

function withSubdirs(dir: string, keep: (d: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!keep(d)) return;
    out.push(d);
    let entries;
    try {
      entries = readdirSync(realpathSync(d), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => compareText(a.name, b.name))) if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(dir);
  return out;
}

export interface QuadletSource {
  fileName: string;
  path: string;
  text: string;
}

/** The Quadlet files of the directories (first of a name wins), with their drop-ins (NAME.d/*.conf) merged. */
export function loadQuadletFiles(dirs: string[]): QuadletSource[] {
  const seen = new Map<string, QuadletSource>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (seen.has(name) || !(extOf(name) in EXTENSIONS)) continue;
      const path = join(dir, name);
      try {
        if (!statSync(path).isFile()) continue;
        seen.set(name, { fileName: name, path, text: readFileSync(path, 'utf8') + dropIns(dirs, name) });
      } catch {
        continue;
      }
    }
  }
  return [...seen.values()];
}

/** Drop-ins for a file: NAME.d/*.conf (and TEMPLATE@.EXT.d for instances), first of a name wins, merged by name. */
function dropIns(dirs: string[], name: string): string {
  const candidates = [`${name}.d`];
  const at = name.indexOf('@');
  if (at >= 0 && stem(name).length > at + 1) candidates.push(`${name.slice(0, at + 1)}${extOf(name)}.d`);
  const found = new Map<string, string>();
  for (const dir of dirs) {
    for (const c of candidates) {
      let entries: string[];
      try {
        entries = readdirSync(join(dir, c));
      } catch {
        continue;
      }
      for (const e of entries) if (e.endsWith('.conf') && !found.has(e)) found.set(e, join(dir, c, e));
    }
  }
  return [...found.keys()].sort().map((k) => '\n' + readFileSync(found.get(k)!, 'utf8')).join('');
}

export interface GeneratedService {
  /** The service file name, e.g. web.service. */
  fileName: string;
  text: string;
  /** Symlinks the [Install] section asks for, relative to the output directory (e.g. default.target.wants/web.service). */
  symlinks: string[];
}

export interface TranslateOptions {
  executable: string;
  isUser?: boolean;
  /** Name of the generator in the header comment. */
  generatorName?: string;
}

export interface TranslateResult {
  services: GeneratedService[];
  /** Files that could not be converted, each message naming the file (and line where known). */
  errors: string[];
  warnings: string[];
}

/** Converts Quadlet sources into services. Pure: reads nothing but the sources (and /dev for AddDevice=-). */
export function translateQuadlets(sources: QuadletSource[], opts: TranslateOptions): TranslateResult {
  const errors: string[] = [];
  const parsed: UnitFile[] = [];
  for (const s of sources) {
    try {
      parsed.push(UnitFile.parse(s.text, s.fileName, s.path));
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  // Resources first: a container needs its network's name, a pod the list of its members.
  parsed.sort((a, b) => EXTENSIONS[extOf(a.fileName)].order - EXTENSIONS[extOf(b.fileName)].order);
  const ctx: QuadletContext = { executable: opts.executable, isUser: !!opts.isUser, units: new Map(), warnings: [] };
  for (const u of parsed) ctx.units.set(u.fileName, unitInfo(u));

  const services: GeneratedService[] = [];
  for (const u of parsed) {
    try {
      const service = convert(ctx, u);
      service.prependComments(`Automatically generated by ${opts.generatorName ?? 'husk-quadlet-generator'}`, '');
      services.push({ fileName: service.fileName, text: service.toString(), symlinks: installSymlinks(service) });
    } catch (e) {
      if (!(e instanceof HuskError)) throw e;
      errors.push(e.message);
    }
  }
  return { services, errors, warnings: ctx.warnings };
}

function unitInfo(u: UnitFile): UnitInfo {
  const ext = extOf(u.fileName);
  const { group, suffix } = EXTENSIONS[ext];
  const serviceName = u.lookup(group, 'ServiceName') ?? stem(u.fileName) + suffix;
  const resourceName = {
    '.container': () => containerResourceName(u, containerServiceName(u)),
    '.network': () => networkName(u),
    '.volume': () => volumeName(u),
    '.image': () => imageName(u),
    '.build': () => builtImageName(u),
    '.pod': () => podName(u),
    '.kube': () => '',
  }[ext]!();
  return { serviceName, resourceName, containersToStart: [] };
}

function convert(ctx: QuadletContext, u: UnitFile): UnitFile {
  switch (extOf(u.fileName)) {
    case '.container': return convertContainer(ctx, u);
    case '.network': return convertNetwork(ctx, u);
    case '.volume': return convertVolume(ctx, u);
    case '.image': return convertImage(ctx, u);
    case '.build': return convertBuild(ctx, u);
    case '.pod': return convertPod(ctx, u);
    default: return convertKube(ctx, u);
  }
}

/** What `systemctl enable` would link: Alias=, WantedBy=, RequiredBy= (templates only with DefaultInstance=). */
function installSymlinks(service: UnitFile): string[] {
  const links = service.lookupAllStrv('Install', 'Alias');
  let name = service.fileName;
  const at = name.indexOf('@');
  if (at >= 0 && name.slice(at + 1) === '.service') {
    const instance = service.lookup('Install', 'DefaultInstance');
    name = instance ? `${name.slice(0, at + 1)}${instance}.service` : '';
  }
  if (name) {
    for (const [key, dir] of [['WantedBy', 'wants'], ['RequiredBy', 'requires'], ['UpheldBy', 'upholds']]) {
      for (const target of service.lookupAll('Install', key).flatMap(splitStrv)) {
        if (!target.includes('/')) links.push(`${target}.${dir}/${name}`);
      }
    }
  }
  return links;
}

export interface GeneratorOptions extends TranslateOptions, UnitDirOptions {
  /** Reports errors and warnings (the generator's log: kmsg or stderr). */
  log?: (line: string) => void;
}

/**
 * The generator entry: argv as systemd passes it (normal-dir early-dir late-dir),
 * or ['--dryrun'] to only return the units. Returns the services and whether
 * every file converted (the process exit status is the caller's).
 */
export function runGenerator(argv: string[], opts: GeneratorOptions): { services: GeneratedService[]; ok: boolean; dryRun: boolean } {
  const dryRun = argv.includes('--dryrun') || argv.includes('-dryrun');
  const outDir = argv.find((a) => !a.startsWith('-'));
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  if (!dryRun && !outDir) {
    log('missing output directory argument');
    return { services: [], ok: false, dryRun };
  }
  const dirs = quadletUnitDirs({ ...opts, override: opts.override ?? process.env.QUADLET_UNIT_DIRS });
  const result = translateQuadlets(loadQuadletFiles(dirs), opts);
  for (const w of result.warnings) log(`Warning: ${w}`);
  for (const e of result.errors) log(e);
  if (!dryRun) {
    mkdirSync(outDir!, { recursive: true });
    for (const s of result.services) {
      writeFileSync(join(outDir!, s.fileName), s.text);
      for (const link of s.symlinks) {
        const path = join(outDir!, link);
        mkdirSync(dirname(path), { recursive: true });
        rmSync(path, { force: true });
        symlinkSync(relative(dirname(link), s.fileName) || s.fileName, path);
      }
    }
  }
  return { services: result.services, ok: result.errors.length === 0, dryRun };
}

/** The dry-run text: every unit under a "---NAME---" line, as `quadlet --dryrun` prints. */
export function dryRunText(services: GeneratedService[]): string {
  return services.map((s) => `---${s.fileName}---\n${s.text}`).join('\n');
}
