// The images domain of the engine API: interface, options, reports. Front
// ends import only this file (and ../api.ts); the local implementation
// (local.ts) and its helpers stay private to the domain.
import type { Filters, ItemReport, PruneReport } from '../api.ts';
import type { ImageRecord } from '../../image/types.ts';
import type { PullProgress } from '../../image/pull.ts';

export type { ImageRecord, PullProgress };

/** What a push reports per blob: found at the destination, mounted from another repository, uploading; then the manifest. */
export interface PushProgress {
  kind: 'exists' | 'mounted' | 'upload' | 'manifest';
  digest: string;
  /** The blob is the image's config (Podman prints "Copying config", Docker shows no line). */
  config?: boolean;
}

export interface RegistryOptions {
  /** Require HTTPS and verified certificates; undefined: as registries.conf says. */
  tlsVerify?: boolean;
  authfile?: string;
  /** USER[:PASSWORD], instead of the auth file's credentials. */
  creds?: string;
  certDir?: string;
}

export interface PullOptions extends RegistryOptions {
  /** Pull every tag of the (fully qualified) repository. */
  allTags?: boolean;
  /** Which image of a manifest list; unset parts default to the host's. */
  platform?: { os?: string; arch?: string; variant?: string };
  /** One line of text per step ("Trying to pull ...", "Writing manifest ..."), as `husk pull` prints them. */
  onMessage?: (line: string) => void;
  /** Structured per-blob progress. */
  onProgress?: (p: PullProgress) => void;
}

/** push --sign-by: a simple-signing signature of the pushed manifest, stored in the repository's lookaside. */
export interface PushSignOptions {
  /** GPG key (fingerprint or user ID) to sign with. */
  signBy?: string;
  /** The key's passphrase (--sign-passphrase-file's first line). */
  signPassphrase?: string;
  /** A sigstore private key: refused, husk cannot make sigstore signatures. */
  signBySigstorePrivateKey?: string;
}

export interface PushOptions extends RegistryOptions, PushSignOptions {
  compressionFormat?: 'gzip' | 'zstd';
  /** push --format: the manifest type to push, oci or v2s2 (default: the one the image is stored with). */
  manifestFormat?: 'oci' | 'v2s2';
  /** Recompress even layers whose kept archive uses another compression. */
  forceCompression?: boolean;
  onProgress?: (p: PushProgress) => void;
}

/** One image in a listing (Podman's ImageSummary, fields as its JSON names them). */
export interface ImageSummary {
  /** Hex ID (sha256 of the config). */
  Id: string;
  /** Manifest digest. */
  Digest: string;
  /** Full names, in the order they were given. */
  RepoTags: string[];
  RepoDigests: string[];
  /** Every name the image has had, newest first (Podman's NamesHistory). */
  History: string[];
  /** RFC 3339. */
  Created: string;
  Size: number;
  Labels: Record<string, string>;
  /** Containers created from this image. */
  Containers: number;
  Dangling: boolean;
}

export interface ImageListOptions {
  /** Podman's -a: also the intermediate images of builds (untagged parents of other images). */
  all?: boolean;
  /**
   * before, since, until, dangling, label, label!, reference (Podman's glob
   * on the name's forms), id, digest, containers, intermediate, readonly.
   */
  filters?: Filters;
}

export interface ImageRemoveOptions {
  /**
   * Remove containers using the image, and an image named by ID even when it
   * has several names. By one of several names only that name goes, force or not.
   */
  force?: boolean;
  /** Every image in the store (refs must be empty). */
  all?: boolean;
  /** An unknown image is no error (no report). */
  ignore?: boolean;
  /** Keep the deleted image's dangling parents (build steps' intermediate images), which go by default. */
  noPrune?: boolean;
}

/** One image of rmi: the names it lost and whether it was deleted. */
export interface ImageRemoveReport extends ItemReport {
  untagged: string[];
  /** Full ID of the deleted image, when it was deleted (not just untagged). */
  deleted?: string;
  /** Full IDs of its dangling parents deleted with it (see ImageRemoveOptions.noPrune). */
  pruned?: string[];
}

export interface ImagePruneOptions {
  /** Every image no container uses, not only dangling ones. */
  all?: boolean;
  /** label, label!, until. */
  filters?: Filters;
}

/** One row of `history`, newest first. */
export interface HistoryEntry {
  /** The image ID on the top row, "<missing>" below (husk keeps no intermediate images). */
  id: string;
  /** RFC 3339. */
  created: string;
  createdBy: string;
  size: number;
  comment: string;
  tags: string[];
}

/** Podman's `image inspect` document. */
export type ImageInspect = Record<string, unknown>;

/** An image's layers bottom to top, for `image tree`. */
export interface ImageTree {
  id: string;
  names: string[];
  size: number;
  layers: { id: string; size: number }[];
  /** With whatRequires: the image's top layer with every layer on top of it. */
  requiredBy?: ImageTreeNode;
}

/** A layer (diff ID) in the layer tree, the names of the images it is the top layer of, and the layers on it. */
export interface ImageTreeNode {
  id: string;
  size: number;
  names: string[];
  children: ImageTreeNode[];
}

export interface ImageImportOptions {
  /** Name for the image (short names go under localhost/). */
  reference?: string;
  /** Dockerfile-style instructions applied to the config (CMD, ENV, WORKDIR...). */
  changes?: string[];
  message?: string;
  /** The image config's platform (default: the host's architecture, linux, no variant). */
  arch?: string;
  os?: string;
  variant?: string;
}

/** A config-only image (a build step that adds no layer); see ImagesAPI.derive. */
export interface ImageDeriveOptions {
  /** The runtime config exactly (Env, Cmd, Labels...). */
  config: Record<string, unknown>;
  /** Adds a history entry (empty_layer) with this created_by. */
  createdBy?: string;
  comment?: string;
  author?: string;
  /** RFC 3339 (default: now). */
  created?: string;
  /** Manifest annotations. */
  annotations?: Record<string, string>;
  /** Names for the image (short names go under localhost/). */
  names?: string[];
  /** A plain tar stream (a layer diff, OCI whiteouts allowed) added as the new top layer. */
  layer?: AsyncIterable<Buffer>;
  /** Manifest and config format (default oci); docker: Docker v2 schema 2, as `build --format docker` stores and pushes. */
  format?: 'oci' | 'docker';
  /** The config's platform fields (build --os/--arch/--variant/--os-version/--os-feature); unset: the parent's. */
  platform?: { os?: string; architecture?: string; variant?: string; osVersion?: string; osFeatures?: string[] };
  /** No history in the config (build --omit-history). */
  omitHistory?: boolean;
}

export type SaveFormat = 'docker-archive' | 'oci-archive' | 'oci-dir' | 'docker-dir';

export interface SearchOptions extends RegistryOptions {
  limit?: number;
  /** List the tags of the repository instead of searching. */
  listTags?: boolean;
  /** Podman's search filters: stars=N, is-automated[=false], is-official[=false]. */
  filters?: string[];
}

/** One search result (Podman's ImageSearchReport); with listTags, one row per tag. */
export interface SearchResult {
  Index: string;
  Name: string;
  Description: string;
  Stars: number;
  Official: string;
  Automated: string;
  Tag?: string;
}

export interface LoginOptions {
  username: string;
  password: string;
  authfile?: string;
  tlsVerify?: boolean;
  certDir?: string;
}

/** A manifest list (OCI image index) as stored and pushed. */
export interface ManifestList {
  schemaVersion: 2;
  mediaType?: string;
  manifests: {
    mediaType: string;
    digest: string;
    size: number;
    platform?: { architecture: string; os: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] };
    annotations?: Record<string, string>;
  }[];
  annotations?: Record<string, string>;
}

/** The platform and annotations of a list entry (default: the image's own platform). */
export interface ManifestAddOptions {
  arch?: string;
  os?: string;
  variant?: string;
  osVersion?: string;
  features?: string[];
  annotations?: Record<string, string>;
}

export interface ManifestAnnotateOptions extends ManifestAddOptions {
  /** Annotate the index itself instead of an entry. */
  index?: boolean;
  /** annotate --os-features: the entry's platform `os.features` (wins over features). */
  osFeatures?: string[];
}

export interface ManifestPushOptions extends RegistryOptions, PushSignOptions {
  /** Remove the local list once pushed. */
  rm?: boolean;
  /** The entries' layer compression (see PushOptions). */
  compressionFormat?: 'gzip' | 'zstd';
  /** v2s2: a Docker manifest list of Docker manifests; oci: an OCI index of OCI manifests (default: as stored). */
  manifestFormat?: 'oci' | 'v2s2';
}

/** `image trust show`: where the policy and registries.d are (defaults /etc/containers/...), and whether only the file's text is wanted. */
export interface TrustShowOptions {
  policyPath?: string;
  registryPath?: string;
  raw?: boolean;
}

/** One scope of the trust policy, as Podman's `image trust show --json` prints it. */
export interface TrustPolicy {
  /** "all" for the default, "repository" for docker scopes, else the transport's name. */
  transport: string;
  name?: string;
  repo_name?: string;
  sigstore?: string;
  /** accept, reject, signed, sigstoreSigned. */
  type: string;
  gpg_id?: string;
}

export interface TrustShowReport {
  /** The policy file's text. */
  raw: string;
  /** Empty with raw. */
  policies: TrustPolicy[];
}

export interface TrustSetOptions {
  policyPath?: string;
  /** accept (insecureAcceptAnything), reject or signedBy (the default). */
  type?: string;
  /** signedBy: GPG keyring files; the image must be signed by a key of each. */
  pubKeysFiles?: string[];
}

/** `image sign`: the GPG identity to sign with (required) and where signatures go. */
export interface SignOptions {
  signBy: string;
  /** Lookaside directory (default: registries.d's file:// staging entry for the repository). */
  directory?: string;
  /** Also sign every instance of a manifest list. */
  all?: boolean;
  authfile?: string;
  certDir?: string;
  tlsVerify?: boolean;
  /** registries.d directory (default /etc/containers/registries.d). */
  registriesDir?: string;
}

export interface ImagesAPI {
  list(o?: ImageListOptions): Promise<ImageSummary[]>;
  /** The stored record (NO_SUCH_IMAGE if unknown). */
  get(ref: string): Promise<ImageRecord>;
  /** False when unknown; an ambiguous short ID is still an error. */
  exists(ref: string): Promise<boolean>;
  inspect(ref: string): Promise<ImageInspect>;
  history(ref: string): Promise<HistoryEntry[]>;
  /** whatRequires: also the layers (and images) built on the image (ImageTree.requiredBy). */
  tree(ref: string, o?: { whatRequires?: boolean }): Promise<ImageTree>;
  /** Resolves short names through registries.conf; one image, or one per tag with allTags. */
  pull(ref: string, o?: PullOptions): Promise<ImageRecord[]>;
  /** Pushes to destination (default: the image's own name); returns the manifest digest. */
  push(source: string, destination?: string, o?: PushOptions): Promise<string>;
  /** Adds names (short names go under localhost/). */
  tag(ref: string, names: string[]): Promise<void>;
  /** Removes names (all of them when none are given); NO_SUCH_IMAGE for a name the image does not have. */
  untag(ref: string, names: string[]): Promise<void>;
  /** rmi: a name of an image with several untags it, otherwise the image is deleted. */
  remove(refs: string[], o?: ImageRemoveOptions): Promise<ImageRemoveReport[]>;
  /** Deletes dangling images (all: every image) no container uses. */
  prune(o?: ImagePruneOptions): Promise<PruneReport[]>;
  /** A root filesystem tarball (path or stream; plain, gzip or zstd) as a one-layer image. */
  import(source: string | NodeJS.ReadableStream, o?: ImageImportOptions): Promise<ImageRecord>;
  /** A new image: the parent's layers (none: an empty, scratch image) under the given config. */
  derive(parent: string | undefined, o: ImageDeriveOptions): Promise<ImageRecord>;
  /** The build cache: the image ID recorded for a step key, if that image still exists. */
  cacheGet(key: string): Promise<string | undefined>;
  /** Records the image a build step produced under its key. */
  cachePut(key: string, id: string): Promise<void>;
  /**
   * Unpacks a build context tarball (plain, gzip or zstd) into a new private
   * directory on the engine's host and returns its path, for the REST
   * server's /build. The archive is untrusted: `..`, absolute paths and
   * writes through symlinks are refused (BAD_LAYER) and nothing is left on
   * error. The caller deletes the directory after the build (one left by a
   * process that died is swept with the store's other staging files).
   */
  unpackContext(source: AsyncIterable<Uint8Array>): Promise<string>;
  /** docker-archive / oci-archive tarballs (path or stream) or an OCI layout directory; returns the images loaded. */
  load(source: string | NodeJS.ReadableStream): Promise<ImageRecord[]>;
  /**
   * Writes images to a path (a file, or a directory for oci-dir) or a stream
   * (archives only). Every image is resolved before anything is written.
   * uncompressed: OCI layers as plain tars (as kept otherwise); compress:
   * docker-dir's layers gzipped (plain tars otherwise).
   */
  save(refs: string[], destination: string | NodeJS.WritableStream, o?: { format?: SaveFormat; uncompressed?: boolean; compress?: boolean }): Promise<void>;
  /** REGISTRY/TERM: the registry's catalog, or with listTags the repository's tags. */
  search(term: string, o?: SearchOptions): Promise<SearchResult[]>;
  /** Mounts the image read-only; returns the path. */
  mount(ref: string): Promise<string>;
  /** Returns the image ID. */
  unmount(ref: string): Promise<string>;
  /** The mounted images: ID, names, manifest digest, mount point. */
  mounted(): Promise<{ id: string; names: string[]; digest: string; path: string }[]>;
  /** Creates a manifest list named `name` (short names go under localhost/) from local images; amend: add to an existing one. Returns the list's ID. */
  manifestCreate(name: string, images: string[], o?: { amend?: boolean }): Promise<string>;
  /** Adds a local image (or replaces its entry); returns the list's ID. */
  manifestAdd(list: string, image: string, o?: ManifestAddOptions): Promise<string>;
  /** Sets an entry's (by manifest digest) or, with index, the list's annotations and platform fields. */
  manifestAnnotate(list: string, digest: string, o: ManifestAnnotateOptions): Promise<string>;
  /** Removes the entry with that digest. */
  manifestRemoveEntry(list: string, digest: string): Promise<string>;
  manifestInspect(list: string): Promise<ManifestList>;
  manifestExists(list: string): Promise<boolean>;
  /** Deletes manifest lists (not the images they name). */
  manifestDelete(lists: string[]): Promise<ItemReport[]>;
  /** Pushes the entries' images by digest and then the index to the destination; returns the index's digest. */
  manifestPush(list: string, destination: string, o?: ManifestPushOptions): Promise<string>;
  /** Checks the credentials against the registry, then stores them; returns the auth file key ("host[/path]") and the file written. */
  login(registry: string, o: LoginOptions): Promise<{ key: string; authfile: string }>;
  /** The user stored for a registry (INVALID_ARGUMENT when not logged in). */
  loginUser(registry: string, o?: { authfile?: string }): Promise<string>;
  /** Forgets one registry's credentials (returns its key) or, with all, every one. */
  logout(registry: string | undefined, o?: { authfile?: string; all?: boolean }): Promise<string | undefined>;
  /** The engine host's signature policy (containers-policy.json), described per scope. */
  trustShow(o?: TrustShowOptions): Promise<TrustShowReport>;
  /** Replaces the requirements of one scope ("default", a registry or repository) in the policy file. */
  trustSet(scope: string, o?: TrustSetOptions): Promise<void>;
  /** Signs docker://REFERENCEs as found in their registry; one report per reference (id: the signed manifest digest). */
  sign(refs: string[], o: SignOptions): Promise<ItemReport[]>;
}
