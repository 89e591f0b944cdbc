// The volumes domain of the engine API: interface, options, reports.
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
  NeedsCopyUp: boolean;
}

export interface VolumeCreateOptions {
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  /** Local driver options: type, device, o, uid, gid. */
  options?: Record<string, string>;
  /** An existing volume of that name is not an error. */
  ignore?: boolean;
}

export interface VolumesAPI {
  create(o?: VolumeCreateOptions): Promise<Volume>;
  list(o?: { filters?: Filters }): Promise<Volume[]>;
  inspect(name: string): Promise<Volume>;
  exists(name: string): Promise<boolean>;
  /** force also removes the containers using a volume. */
  remove(names: string[], o?: { all?: boolean; force?: boolean; timeout?: number }): Promise<ItemReport[]>;
  prune(o?: { filters?: Filters }): Promise<PruneReport[]>;
  /** The volume's contents as a tar stream. */
  export(name: string, out: NodeJS.WritableStream): Promise<void>;
  /** Extracts a tar stream into the volume. */
  import(name: string, source: NodeJS.ReadableStream): Promise<void>;
}
