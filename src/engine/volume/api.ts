// The volumes domain of the engine API: interface, options, reports.
//
// Named volumes of the local driver: a directory under the store, or a
// filesystem (type/device/o options) mounted there while a container uses
// it. A volume is in use while any container's config names it.
import type { Filters, ItemReport, PruneReport } from '../api.ts';

export interface Volume {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
  /** Created for one container (-v /path, image VOLUME); removed with it by rm -v / run --rm. */
  Anonymous: boolean;
  /** Still to be filled from the image directory it is first mounted over. */
  NeedsCopyUp: boolean;
}

/** `volume inspect`: the volume and how many containers use it. */
export interface VolumeInspect extends Volume {
  MountCount: number;
  NeedsChown: boolean;
}

export interface VolumeCreateOptions {
  /** Default: 64 random hex characters. */
  name?: string;
  /** Only "local" (the default). */
  driver?: string;
  labels?: Record<string, string>;
  /** Local driver options: type, device, o, size, uid, gid. */
  options?: Record<string, string>;
  /** An existing volume of that name is returned instead of failing. */
  ignore?: boolean;
}

export interface VolumeRemoveOptions {
  /** Every volume (the names are ignored). */
  all?: boolean;
  /** Also remove (forcibly) the containers using a volume; otherwise that is VOLUME_IN_USE. */
  force?: boolean;
  /** With force: stop those containers first, SIGKILL after this many seconds (default: killed at once). */
  timeout?: number;
}

export interface VolumesAPI {
  create(o?: VolumeCreateOptions): Promise<Volume>;
  /**
   * Filters: name (regexp), driver, scope, label, label!, opt (KEY=VALUE of
   * the options), until, dangling (true: no container uses it), anonymous.
   */
  list(o?: { filters?: Filters }): Promise<Volume[]>;
  inspect(name: string): Promise<VolumeInspect>;
  exists(name: string): Promise<boolean>;
  /** One report per volume: NO_SUCH_VOLUME, VOLUME_IN_USE (without force)... */
  remove(names: string[], o?: VolumeRemoveOptions): Promise<ItemReport[]>;
  /** Removes the volumes no container uses (narrowed by the list filters). */
  prune(o?: { filters?: Filters }): Promise<PruneReport[]>;
  /**
   * Writes the volume's contents to `out` as a tar stream (entries relative
   * to the volume's root, numeric owners, xattrs). `out` is left open.
   */
  export(name: string, out: NodeJS.WritableStream): Promise<void>;
  /**
   * Extracts a tar stream into the volume. The archive is untrusted: entries
   * that climb out (`..`), absolute paths and writes through symlinks are
   * refused (BAD_LAYER), so nothing lands outside the volume; entries before
   * a refused one stay.
   */
  import(name: string, source: AsyncIterable<Uint8Array>): Promise<void>;
  /** Mounts a volume with mount options (tmpfs, device, bind) on its mountpoint; returns the mountpoint (also for plain ones). */
  mount(name: string): Promise<string>;
  /** Unmounts such a volume unless a running container uses it (then it stays mounted, as Podman's mount count keeps it). */
  unmount(name: string): Promise<void>;
  /**
   * Podman re-reads volume plugins here; husk has only the local driver, so
   * nothing is added or removed.
   */
  reload(): Promise<{ added: string[]; removed: string[] }>;
}
