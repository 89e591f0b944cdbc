// Kubernetes YAML in and out, and the schema check both directions share.
//
// Written YAML is emitted as YAML 1.1 so that a 1.1 reader (kubectl, Go's
// yaml.v2, Podman) gets the values husk meant: `on`, `yes`, `0755`, `1e3`
// are quoted. Read YAML is parsed as 1.1 for the same reason (what kubectl
// would see). The schema is kubernetes-models' (the Kubernetes OpenAPI
// types), loaded on first use so other commands never pay for it.
import { Document, parseAllDocuments } from 'yaml';
import { invalidArgument } from '../common/errors.ts';

export type KubeObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One YAML document as an object, and where it came from (1-based). */
export interface KubeDocument {
  index: number;
  object: KubeObject;
}

/** "document 2 (Deployment web)". */
export function documentLabel(d: KubeDocument): string {
  const kind = typeof d.object?.kind === 'string' ? d.object.kind : 'unknown kind';
  const name = typeof d.object?.metadata?.name === 'string' ? ` ${d.object.metadata.name}` : '';
  return `document ${d.index} (${kind}${name})`;
}

/** Every non-empty document of the text; a YAML syntax error names its document and line. */
export function parseDocuments(text: string, source = 'input'): KubeDocument[] {
  const out: KubeDocument[] = [];
  parseAllDocuments(text, { version: '1.1', prettyErrors: true }).forEach((doc, i) => {
    if ('errors' in doc && doc.errors.length) throw invalidArgument(`${source}: document ${i + 1}: ${doc.errors[0].message}`);
    const object = doc.toJS({ maxAliasCount: 100 });
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) throw invalidArgument(`${source}: document ${i + 1}: expected a mapping with apiVersion and kind`);
    out.push({ index: i + 1, object });
  });
  return out;
}

/** The documents as one YAML 1.1 stream (no %YAML directive: readers default to it). */
export function emitDocuments(objects: KubeObject[]): string {
  return objects.map((o) => new Document(o, { version: '1.1', aliasDuplicateObjects: false }).toString({ lineWidth: 0 })).join('---\n');
}

type Model = new (data: KubeObject) => { validate(): void };

/** The kubernetes-models class of each kind husk reads or writes. */
const MODELS: Record<string, () => Promise<Model>> = {
  'v1/Pod': async () => (await import('kubernetes-models/v1/Pod')).Pod as unknown as Model,
  'v1/Service': async () => (await import('kubernetes-models/v1/Service')).Service as unknown as Model,
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap as unknown as Model,
  'v1/PersistentVolumeClaim': async () => (await import('kubernetes-models/v1/PersistentVolumeClaim')).PersistentVolumeClaim as unknown as Model,
  'apps/v1/Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment as unknown as Model,
  'apps/v1/DaemonSet': async () => (await import('kubernetes-models/apps/v1/DaemonSet')).DaemonSet as unknown as Model,
  'batch/v1/Job': async () => (await import('kubernetes-models/batch/v1/Job')).Job as unknown as Model,
  'v1/Secret': async () => (await import('kubernetes-models/v1/Secret')).Secret as unknown as Model,
};

export const SUPPORTED_KINDS = ['Pod', 'Deployment', 'DaemonSet', 'Job', 'Service', 'ConfigMap', 'Secret', 'PersistentVolumeClaim'];

/** "/spec/containers/0/ports/1" → "spec.containers[0].ports[1]". */
export function fieldPath(pointer: string): string {
  return pointer.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

interface AjvError { instancePath?: string; message?: string; params?: Record<string, unknown> }

/**
 * Checks the object against its kind's schema; the error names the field
 * path (INVALID_ARGUMENT). `label` prefixes the message (the document).
 */
export async function validateObject(o: KubeObject, label: string): Promise<void> {
  if (typeof o.apiVersion !== 'string') throw invalidArgument(`${label}: apiVersion: required`);
  if (typeof o.kind !== 'string') throw invalidArgument(`${label}: kind: required`);
  const load = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!load) {
    if (SUPPORTED_KINDS.includes(o.kind)) throw invalidArgument(`${label}: apiVersion: "${o.apiVersion}" is not supported for kind ${o.kind}`);
    throw invalidArgument(`${label}: kind: "${o.kind}" is not supported (supported: ${SUPPORTED_KINDS.join(', ')})`);
  }
  const Model = await load();
  try {
    new Model(o).validate();
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors;
    if (!errors?.length) throw invalidArgument(`${label}: ${(err as Error).message}`);
    const e = errors[0];
    let path = fieldPath(e.instancePath ?? '');
    if (typeof e.params?.missingProperty === 'string') path = path ? `${path}.${e.params.missingProperty}` : e.params.missingProperty;
    const why = typeof e.params?.missingProperty === 'string' ? 'required' : e.message;
    throw invalidArgument(`${label}: ${path || '(document)'}: ${why}`);
  }
}
