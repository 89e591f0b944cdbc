// How each executed instruction is described in the image history (Buildah's
// created_by), which is also what the cache key hashes: config-only steps
// and COPY are `/bin/sh -c #(nop) ...`, RUN is its argv with the build args
// it sees in front (`|2 A=1 B=2 /bin/sh -c make`), so changing an ARG a RUN
// sees reruns it.
import type { CopyInstruction, Instruction } from './ast.ts';

const NOP = '/bin/sh -c #(nop) ';

const quote = (v: string) => (/^[^\s"'\\$]*$/.test(v) && v !== '' ? v : JSON.stringify(v));

/** created_by for a config-only instruction, from its expanded form. */
export function configCreatedBy(i: Instruction): string {
  switch (i.kind) {
    case 'ENV':
    case 'LABEL':
      return `${NOP}${i.kind} ${i.pairs.map((p) => `${p.key}=${quote(p.value)}`).join(' ')}`;
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      return `${NOP}${i.kind} ${i.value}`;
    case 'EXPOSE':
      return `${NOP}EXPOSE ${i.ports.join(' ')}`;
    case 'VOLUME':
      return `${NOP}VOLUME ${JSON.stringify(i.paths)}`;
    default:
      return `${NOP}${i.original.trim()}`;
  }
}

export function runCreatedBy(argv: string[], args: Record<string, string>): string {
  const names = Object.keys(args).sort();
  const prefix = names.length ? `|${names.length} ${names.map((k) => `${k}=${quote(args[k])}`).join(' ')} ` : '';
  return prefix + argv.join(' ');
}

/** `COPY --chown=1:1 file:<digest> in /app`; the digest covers everything read. */
export function copyCreatedBy(i: CopyInstruction, kind: string, digest: string, dest: string): string {
  const flags = [i.from !== undefined ? `--from=${i.from}` : '', i.chown ? `--chown=${i.chown}` : '', i.chmod ? `--chmod=${i.chmod}` : ''].filter(Boolean);
  return `${NOP}${i.kind} ${flags.length ? `${flags.join(' ')} ` : ''}${kind}:${digest} in ${dest} `;
}
