// The images domain of the engine API: interface, options, reports.
import type { Filters, PruneReport } from '../api.ts';
import type { ImageRecord } from '../../image/types.ts';

export type { ImageRecord };

export interface RegistryOptions {
  tlsVerify?: boolean;
  authfile?: string;
  /** USER:PASSWORD */
  creds?: string;
  certDir?: string;
}

export interface PullOptions extends RegistryOptions {
  /** Pull every tag of the repository. */
  allTags?: boolean;
  platform?: string;
  /** One line of text per step, as `husk pull` prints it off a terminal. */
  onMessage?: (line: string) => void;
  /** Structured per-blob progress. */
  onProgress?: (p: unknown) => void;
  signal?: AbortSignal;
}

export interface PushOptions extends RegistryOptions {
  compressionFormat?: 'gzip' | 'zstd';
  forceCompression?: boolean;
  onMessage?: (line: string) => void;
  onProgress?: (p: unknown) => void;
  signal?: AbortSignal;
}

export interface ImageSummary {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  Labels: Record<string, string>;
  Containers: number;
  Dangling: boolean;
  [key: string]: unknown;
}

export interface ImageRemoveReport {
  /** What the caller passed. */
  rawInput: string;
  untagged: string[];
  deleted?: string;
  error?: { code: string; message: string };
}

export interface HistoryEntry {
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
  tags: string[];
}

export type ImageInspect = Record<string, unknown>;

export interface SearchResult {
  index: string;
  name: string;
  description: string;
  stars: number;
  official: string;
  automated: string;
  tag?: string;
}

export interface ImagesAPI {
  list(o?: { all?: boolean; filters?: Filters }): Promise<ImageSummary[]>;
  /** The stored record (NO_SUCH_IMAGE if unknown). */
  get(ref: string): Promise<ImageRecord>;
  exists(ref: string): Promise<boolean>;
  inspect(ref: string): Promise<ImageInspect>;
  history(ref: string): Promise<HistoryEntry[]>;
  pull(ref: string, o?: PullOptions): Promise<ImageRecord[]>;
  /** Returns the manifest digest pushed. */
  push(source: string, destination?: string, o?: PushOptions): Promise<string>;
  tag(ref: string, names: string[]): Promise<void>;
  untag(ref: string, names: string[]): Promise<void>;
  remove(refs: string[], o?: { force?: boolean; all?: boolean; ignore?: boolean }): Promise<ImageRemoveReport[]>;
  prune(o?: { all?: boolean; filters?: Filters }): Promise<PruneReport[]>;
  /** A root filesystem tarball (path or stream) as a one-layer image. */
  import(source: string | NodeJS.ReadableStream, o?: { reference?: string; changes?: string[]; message?: string }): Promise<ImageRecord>;
  /** docker-archive / oci-archive tarballs or an OCI layout directory; returns the names loaded. */
  load(source: string | NodeJS.ReadableStream): Promise<string[]>;
  save(refs: string[], out: NodeJS.WritableStream, o?: { format?: 'docker-archive' | 'oci-archive' }): Promise<void>;
  search(term: string, o?: RegistryOptions & { limit?: number; listTags?: boolean; filters?: Filters }): Promise<SearchResult[]>;
  mount(ref: string): Promise<string>;
  unmount(ref: string): Promise<string>;
  mounted(): Promise<{ id: string; names: string[]; path: string }[]>;
  login(registry: string, o: RegistryOptions & { username?: string; password?: string }): Promise<void>;
  logout(registry: string | undefined, o?: { authfile?: string; all?: boolean }): Promise<void>;
}
