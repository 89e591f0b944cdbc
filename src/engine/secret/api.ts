// The secrets domain of the engine API: interface, options, reports.
//
// A secret is a named blob (up to 512000 bytes) kept in the store, not in
// any image: `run --secret` copies it into a container at create (a file
// under /run/secrets, or an environment variable), kube play resolves
// secretKeyRef/secretRef/secret volumes from it. Only Podman's `file`
// driver exists: the data lives unencrypted in root-only files
// (ROOT/secrets/filedriver/ID, mode 0600), the metadata in
// ROOT/secrets/secrets.json, both changed under ROOT/secrets/secrets.lock.
import type { Filters, ItemReport } from '../api.ts';

/** Podman's limit: a secret holds 1 to MAX_SECRET_SIZE - 1 bytes. */
export const MAX_SECRET_SIZE = 512000;

/** `secret inspect`, Podman's shape (SecretInfoReport). */
export interface Secret {
  /** 25 hex characters. */
  ID: string;
  /** RFC 3339. */
  CreatedAt: string;
  /** RFC 3339; later than CreatedAt after `create --replace`. */
  UpdatedAt: string;
  Spec: {
    Name: string;
    Driver: { Name: string; Options: Record<string, string> };
    Labels: Record<string, string>;
  };
  /** The data as text, only when asked for (`inspect --showsecret`). */
  SecretData?: string;
}

export interface SecretCreateOptions {
  /** The secret's bytes, base64-encoded (required; 1 to 511999 bytes once decoded). */
  data: string;
  /** Only "file" (the default). */
  driver?: string;
  driverOptions?: Record<string, string>;
  labels?: Record<string, string>;
  /** Replace the data (and labels) of an existing secret of that name, keeping its ID. */
  replace?: boolean;
  /** An existing secret of that name is returned unchanged instead of failing. */
  ignore?: boolean;
}

export interface SecretRemoveOptions {
  /** Every secret (no names then). */
  all?: boolean;
  /** An unknown name is no error (and no report). */
  ignore?: boolean;
}

export interface SecretsAPI {
  /** Stores a secret; NAME_IN_USE when the name is taken (without replace/ignore). */
  create(name: string, o: SecretCreateOptions): Promise<{ id: string }>;
  /** Filters: name (regexp), id (prefix), label, label!. Sorted by name. */
  list(o?: { filters?: Filters }): Promise<Secret[]>;
  /** By name, full ID or unique ID prefix; NO_SUCH_SECRET otherwise. */
  inspect(nameOrId: string, o?: { showSecret?: boolean }): Promise<Secret>;
  exists(nameOrId: string): Promise<boolean>;
  /** One report per secret (id: the secret's ID); NO_SUCH_SECRET for an unknown one unless ignore. */
  remove(names: string[], o?: SecretRemoveOptions): Promise<ItemReport[]>;
}
